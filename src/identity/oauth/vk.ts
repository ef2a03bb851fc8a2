import { createHash } from 'node:crypto';
import { providerJson, str, trimBase, ProviderError, type OAuthProvider, type SecretSource } from './provider.ts';

export interface VkConfig {
  clientId: string;
  /** https://id.vk.com (authorize, oauth2/auth, oauth2/user_info). */
  baseUrl: string;
}

/**
 * VK ID (OAuth 2.1 at id.vk.com, not the older oauth.vk.com). PKCE is mandatory; the
 * callback carries a `device_id` that the token request must repeat; the token request
 * and `user_info` are form posts with the client id. VK ID returns an address only when
 * the user granted `email` and it is confirmed on the VK ID account.
 * Arctic's `VK` class speaks the older API, so this one is written out.
 */
export function createVkProvider(cfg: VkConfig, _secret: SecretSource): OAuthProvider {
  const base = trimBase(cfg.baseUrl);
  const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(fields).toString() });
  return {
    id: 'vk',
    label: 'VK ID',
    authorizationUrl(r) {
      const url = new URL(`${base}/authorize`);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', cfg.clientId);
      url.searchParams.set('redirect_uri', r.redirectUri);
      url.searchParams.set('state', r.state);
      url.searchParams.set('code_challenge', createHashChallenge(r.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      url.searchParams.set('scope', 'vkid.personal_info email');
      return url;
    },
    async exchange(r) {
      const deviceId = r.query.device_id;
      if (!deviceId || deviceId.length > 256) throw new ProviderError('exchange', 'vk sent the browser back without a device_id');
      const body = (await providerJson('vk', 'exchange', `${base}/oauth2/auth`, form({ grant_type: 'authorization_code', code: r.code, code_verifier: r.codeVerifier, client_id: cfg.clientId, device_id: deviceId, redirect_uri: r.redirectUri, state: r.state }))) as Record<string, unknown>;
      const token = str(body.access_token, 4096);
      if (!token) throw new ProviderError('exchange', 'vk sent no access token');
      return token;
    },
    async profile(token) {
      const body = (await providerJson('vk', 'profile', `${base}/oauth2/user_info`, form({ client_id: cfg.clientId, access_token: token }))) as { user?: Record<string, unknown> };
      const u = body.user ?? {};
      const subject = str(u.user_id, 64);
      if (!subject) throw new ProviderError('profile', 'vk sent a profile without a user_id');
      const email = str(u.email, 254);
      const name = [str(u.first_name, 60), str(u.last_name, 60)].filter(Boolean).join(' ');
      return { subject, login: '', name, emails: email ? [{ address: email, verified: true, primary: true }] : [] };
    },
  };
}

function createHashChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
