import { useCallback, useState } from 'react';

export type Theme = 'light' | 'dark' | 'system';
const KEY = 'fl.theme';

function apply(t: Theme) {
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
}

/** Light, dark or the system's choice; remembered in this browser (public/theme.js applies it before paint). */
export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setState] = useState<Theme>(() => {
    const s = localStorage.getItem(KEY);
    return s === 'light' || s === 'dark' ? s : 'system';
  });
  const set = useCallback((t: Theme) => {
    if (t === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, t);
    apply(t);
    setState(t);
  }, []);
  return [theme, set];
}
