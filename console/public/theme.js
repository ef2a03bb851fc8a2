// Applies the remembered theme before the first paint (no flash of the wrong theme).
try {
  var t = localStorage.getItem('fl.theme');
  if (t === 'dark' || (t !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches)) document.documentElement.classList.add('dark');
} catch (e) {}
