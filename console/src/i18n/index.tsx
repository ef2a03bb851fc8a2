import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

/**
 * Translations. Every other file in this folder is one page's (or area's) dictionary:
 * `export default { en: {...}, ru: {...} } satisfies Dict`, and its keys are used as
 * `<file name>.<key>` (common.ts → `common.save`). Files are picked up by the glob below,
 * so adding a page's translations needs no edit here.
 */
export type Lang = 'en' | 'ru';
export const LANGS: Lang[] = ['en', 'ru'];
export type Dict = { en: Record<string, string>; ru: Record<string, string> };

const modules = import.meta.glob<{ default: Dict }>('./*.ts', { eager: true });

function merge(): Record<Lang, Record<string, string>> {
  const out: Record<Lang, Record<string, string>> = { en: {}, ru: {} };
  for (const [file, mod] of Object.entries(modules)) {
    const ns = file.replace(/^\.\//, '').replace(/\.ts$/, '');
    for (const lang of LANGS) for (const [k, v] of Object.entries(mod.default[lang] ?? {})) out[lang][`${ns}.${k}`] = v;
  }
  return out;
}

export const MESSAGES = merge();

const GLOBAL_KEY = 'fl.lang';
const userKey = (userId: string) => `fl.lang.${userId}`;

function detect(): Lang {
  const saved = localStorage.getItem(GLOBAL_KEY);
  if (saved === 'en' || saved === 'ru') return saved;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export type T = (key: string, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  /** Called when a user signs in: their own remembered language wins. */
  useUser(userId: string | undefined): void;
  t: T;
}

const Ctx = createContext<I18n | null>(null);

export function translate(lang: Lang, key: string, vars?: Record<string, string | number>): string {
  let s = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(detect);
  const [user, setUser] = useState<string | undefined>();
  const setLang = useCallback(
    (l: Lang) => {
      localStorage.setItem(GLOBAL_KEY, l);
      if (user) localStorage.setItem(userKey(user), l);
      document.documentElement.lang = l;
      setLangState(l);
    },
    [user],
  );
  const useUser = useCallback((id: string | undefined) => {
    setUser(id);
    if (!id) return;
    const mine = localStorage.getItem(userKey(id));
    if (mine === 'en' || mine === 'ru') {
      localStorage.setItem(GLOBAL_KEY, mine);
      document.documentElement.lang = mine;
      setLangState(mine);
    }
  }, []);
  const value = useMemo<I18n>(() => ({ lang, setLang, useUser, t: (k, v) => translate(lang, k, v) }), [lang, setLang, useUser]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const c = useContext(Ctx);
  if (!c) throw new Error('useI18n outside I18nProvider');
  return c;
}

export const useT = (): T => useI18n().t;
