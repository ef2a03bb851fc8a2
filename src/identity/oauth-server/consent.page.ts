/**
 * The consent page and the authorization endpoint's other pages: plain server-rendered
 * HTML (no scripts), in Russian or English. Every value is escaped; the form carries the
 * session's CSRF token and the validated request, which the POST validates again.
 */
export type Lang = 'en' | 'ru';

export function pickLang(acceptLanguage: string | undefined): Lang {
  const first = (acceptLanguage ?? '').split(',').map((p) => p.trim().toLowerCase()).find(Boolean) ?? '';
  return first.startsWith('ru') ? 'ru' : 'en';
}

export function esc(v: string): string {
  return v.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const T = {
  en: {
    title: 'Connect an MCP client',
    wants: 'wants to use FlowLink on your behalf.',
    clientId: 'Client ID',
    redirect: 'After you answer, you return to',
    scopes: 'It asks for',
    org: 'Organization',
    agent: 'It will act as an agent of this organization; policies, approvals and the audit log apply to it. You can revoke it at any time.',
    approve: 'Allow',
    deny: 'Deny',
    signInTitle: 'Sign in first',
    signIn: 'Sign in to FlowLink in this browser, then open this page again.',
    signInLink: 'Open the sign-in page',
    errorTitle: 'This authorization request cannot be used',
    noOrgTitle: 'No organization to connect to',
    noOrg: 'Only owners and admins of an organization can connect MCP clients to it (and, where the organization requires it, only with two-factor sign-in enabled).',
  },
  ru: {
    title: 'Подключение MCP-клиента',
    wants: 'хочет работать с FlowLink от вашего имени.',
    clientId: 'Идентификатор клиента',
    redirect: 'После ответа вы вернётесь на',
    scopes: 'Запрошенный доступ',
    org: 'Организация',
    agent: 'Клиент станет агентом этой организации: к нему применяются политики, согласования и журнал аудита. Доступ можно отозвать в любой момент.',
    approve: 'Разрешить',
    deny: 'Отклонить',
    signInTitle: 'Сначала войдите',
    signIn: 'Войдите во FlowLink в этом браузере и откройте эту страницу ещё раз.',
    signInLink: 'Перейти ко входу',
    errorTitle: 'Этот запрос авторизации нельзя использовать',
    noOrgTitle: 'Нет организации для подключения',
    noOrg: 'Подключать MCP-клиенты к организации могут только её владельцы и администраторы (и, если организация этого требует, только с включённой двухфакторной аутентификацией).',
  },
} as const;

function page(lang: Lang, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · FlowLink</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#111}h1{font-size:1.3rem}code{background:#f3f3f3;padding:0 .2rem;word-break:break-all}ul{padding-left:1.2rem}button{font:inherit;padding:.45rem 1.1rem;margin-right:.5rem;border-radius:.3rem;border:1px solid #888;cursor:pointer}button[value=approve]{background:#3730a3;color:#fff;border-color:#3730a3}select{font:inherit}</style>
</head><body>${body}</body></html>`;
}

export interface ConsentView {
  lang: Lang;
  clientName: string;
  clientId: string;
  redirectUri: string;
  scopeLines: string[];
  orgs: { id: string; name: string }[];
  csrf: string;
  /** The authorization request's parameters, re-sent with the answer. */
  params: Record<string, string>;
}

export function renderConsent(v: ConsentView): string {
  const t = T[v.lang];
  const hidden = Object.entries(v.params)
    .map(([k, val]) => `<input type="hidden" name="${esc(k)}" value="${esc(val)}">`)
    .join('');
  const orgField =
    v.orgs.length === 1
      ? `<p>${t.org}: <b>${esc(v.orgs[0]!.name)}</b></p><input type="hidden" name="org_id" value="${esc(v.orgs[0]!.id)}">`
      : `<p><label>${t.org}: <select name="org_id">${v.orgs.map((o) => `<option value="${esc(o.id)}">${esc(o.name)}</option>`).join('')}</select></label></p>`;
  const redirectHost = redirectOrigin(v.redirectUri);
  return page(
    v.lang,
    t.title,
    `<h1>${t.title}</h1>
<p><b>${esc(v.clientName)}</b> ${t.wants}</p>
<p>${t.clientId}: <code>${esc(v.clientId)}</code><br>${t.redirect} <code>${esc(redirectHost)}</code></p>
<p>${t.scopes}:</p><ul>${v.scopeLines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
<form method="post" action="/oauth/authorize">${hidden}<input type="hidden" name="csrf_token" value="${esc(v.csrf)}">
${orgField}<p>${t.agent}</p>
<button type="submit" name="decision" value="approve">${t.approve}</button><button type="submit" name="decision" value="deny">${t.deny}</button>
</form>`,
  );
}

/** Where a redirect URI leads, for people and for CSP: its origin, or scheme://host for private-use schemes (whose origin is "null"). */
export function redirectOrigin(uri: string): string {
  try {
    const u = new URL(uri);
    return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
  } catch {
    return uri;
  }
}

export function renderSignIn(lang: Lang): string {
  const t = T[lang];
  return page(lang, t.signInTitle, `<h1>${t.signInTitle}</h1><p>${t.signIn}</p><p><a href="/console/sign-in">${t.signInLink}</a></p>`);
}

export function renderError(lang: Lang, message: string): string {
  const t = T[lang];
  return page(lang, t.errorTitle, `<h1>${t.errorTitle}</h1><p>${esc(message)}</p>`);
}

export function renderNoOrg(lang: Lang): string {
  const t = T[lang];
  return page(lang, t.noOrgTitle, `<h1>${t.noOrgTitle}</h1><p>${t.noOrg}</p>`);
}
