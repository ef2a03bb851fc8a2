import { arcticFlow } from './arctic-exchange.ts';
import { providerJson, str, trimBase, ProviderError, type OAuthProvider, type ProviderEmail, type SecretSource } from './provider.ts';

export interface GitHubConfig {
  clientId: string;
  /** https://github.com (authorize, token). */
  baseUrl: string;
  /** https://api.github.com (user, emails). */
  apiUrl: string;
}

/**
 * GitHub: `read:user user:email`; the profile is `/user`, the addresses `/user/emails`,
 * of which only those with `verified: true` count (`primary` marks the main one).
 */
export function createGitHubProvider(cfg: GitHubConfig, secret: SecretSource): OAuthProvider {
  const base = trimBase(cfg.baseUrl);
  const api = trimBase(cfg.apiUrl);
  const flow = arcticFlow('github', cfg.clientId, secret, { authorize: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token` }, ['read:user', 'user:email']);
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'FlowLink' });
  return {
    id: 'github',
    label: 'GitHub',
    authorizationUrl: flow.authorizationUrl,
    exchange: flow.exchange,
    async profile(token) {
      const user = (await providerJson('github', 'profile', `${api}/user`, { headers: headers(token) })) as Record<string, unknown>;
      const list = await providerJson('github', 'profile', `${api}/user/emails`, { headers: headers(token) });
      const subject = str(user.id, 64);
      if (!subject || !Array.isArray(list)) throw new ProviderError('profile', 'github sent a profile without an id or an address list');
      const emails: ProviderEmail[] = [];
      for (const e of list.slice(0, 100) as Record<string, unknown>[]) {
        const address = str(e?.email, 254);
        if (address) emails.push({ address, verified: e.verified === true, primary: e.primary === true });
      }
      return { subject, login: str(user.login, 100) ?? '', name: str(user.name, 100) ?? str(user.login, 100) ?? '', emails };
    },
  };
}
