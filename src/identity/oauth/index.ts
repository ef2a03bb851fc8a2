import type { OAuthConfig } from './oauth.config.ts';
import type { OAuthProvider, SecretSource } from './provider.ts';
import { createGitHubProvider } from './github.ts';
import { createYandexProvider } from './yandex.ts';
import { createVkProvider } from './vk.ts';

export { OAuthConfigSchema, type OAuthConfig } from './oauth.config.ts';
export { createOAuthService, type OAuthService, OAUTH_ERRORS, type OAuthErrorCode } from './oauth.service.ts';
export type { OAuthProvider, ProviderId } from './provider.ts';

/**
 * The providers a config enables, in a fixed order. `resolveSecret` turns a secret
 * reference into its value (the secrets module's resolver, default org) when a code is exchanged.
 */
export function providersFromConfig(cfg: OAuthConfig | undefined, resolveSecret: (ref: string) => Promise<string | undefined>): OAuthProvider[] {
  const out: OAuthProvider[] = [];
  const src = (ref: string | undefined): SecretSource => async () => (ref ? resolveSecret(ref) : undefined);
  if (cfg?.github) out.push(createGitHubProvider(cfg.github, src(cfg.github.clientSecret)));
  if (cfg?.yandex) out.push(createYandexProvider(cfg.yandex, src(cfg.yandex.clientSecret)));
  if (cfg?.vk) out.push(createVkProvider(cfg.vk, src(cfg.vk.clientSecret)));
  return out;
}
