import { OAuth2Client, CodeChallengeMethod, OAuth2RequestError, ArcticFetchError } from 'arctic';
import { ProviderError, type AuthorizationRequest, type CodeExchange, type SecretSource } from './provider.ts';

/**
 * The standard parts of GitHub's and Yandex's flows through arctic's generic client (the
 * provider classes fix their URLs, which must come from the config here): an authorization
 * URL with PKCE S256, and a code exchange with the verifier and HTTP Basic client auth.
 */
export function arcticFlow(provider: string, clientId: string, secret: SecretSource, endpoints: { authorize: string; token: string }, scopes: string[]) {
  return {
    authorizationUrl(r: AuthorizationRequest): URL {
      return new OAuth2Client(clientId, null, r.redirectUri).createAuthorizationURLWithPKCE(endpoints.authorize, r.state, CodeChallengeMethod.S256, r.codeVerifier, scopes);
    },
    async exchange(r: CodeExchange): Promise<string> {
      const clientSecret = await secret();
      if (!clientSecret) throw new ProviderError('exchange', `the ${provider} client secret is not set (identity.oauth.${provider}.clientSecret names a secret with no value)`);
      let data: Record<string, unknown>;
      try {
        data = (await new OAuth2Client(clientId, clientSecret, r.redirectUri).validateAuthorizationCode(endpoints.token, r.code, r.codeVerifier)).data as Record<string, unknown>;
      } catch (err) {
        if (err instanceof OAuth2RequestError) throw new ProviderError('exchange', `${provider} refused the authorization code (${err.code.slice(0, 64)})`);
        if (err instanceof ArcticFetchError) throw new ProviderError('exchange', `${provider} could not be reached`);
        throw new ProviderError('exchange', `${provider} sent an unexpected token answer`);
      }
      // GitHub answers errors with 200 and an `error` field.
      if (typeof data.error === 'string') throw new ProviderError('exchange', `${provider} refused the authorization code (${data.error.slice(0, 64)})`);
      if (typeof data.access_token !== 'string' || !data.access_token) throw new ProviderError('exchange', `${provider} sent no access token`);
      return data.access_token;
    },
  };
}
