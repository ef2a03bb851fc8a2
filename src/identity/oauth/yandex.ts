import { arcticFlow } from './arctic-exchange.ts';
import { providerJson, str, trimBase, ProviderError, type OAuthProvider, type SecretSource } from './provider.ts';

export interface YandexConfig {
  clientId: string;
  /** https://oauth.yandex.ru (authorize, token). */
  baseUrl: string;
  /** https://login.yandex.ru (`/info`). */
  loginUrl: string;
}

/**
 * Yandex ID: scope `login:info login:email`; the profile is `login.yandex.ru/info`. Yandex
 * returns only addresses confirmed on the account, and `default_email` is the main one.
 */
export function createYandexProvider(cfg: YandexConfig, secret: SecretSource): OAuthProvider {
  const base = trimBase(cfg.baseUrl);
  const flow = arcticFlow('yandex', cfg.clientId, secret, { authorize: `${base}/authorize`, token: `${base}/token` }, ['login:info', 'login:email']);
  return {
    id: 'yandex',
    label: 'Yandex ID',
    authorizationUrl: flow.authorizationUrl,
    exchange: flow.exchange,
    async profile(token) {
      const info = (await providerJson('yandex', 'profile', `${trimBase(cfg.loginUrl)}/info?format=json`, { headers: { authorization: `OAuth ${token}` } })) as Record<string, unknown>;
      const subject = str(info.id, 64);
      if (!subject) throw new ProviderError('profile', 'yandex sent a profile without an id');
      const main = str(info.default_email, 254);
      return { subject, login: str(info.login, 100) ?? '', name: str(info.real_name, 100) ?? str(info.display_name, 100) ?? '', emails: main ? [{ address: main, verified: true, primary: true }] : [] };
    },
  };
}
