import { FlowLinkError } from '../../lib/errors.ts';

export const PROVIDERS = ['github', 'yandex', 'vk'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

export function isProviderId(s: string): s is ProviderId {
  return (PROVIDERS as readonly string[]).includes(s);
}

export interface ProviderEmail {
  address: string;
  /** Only addresses the provider says it confirmed ever link to an existing account or create one. */
  verified: boolean;
  primary: boolean;
}

export interface ProviderProfile {
  /** The provider's stable user id (never the login or the address, which can change). */
  subject: string;
  login: string;
  name: string;
  emails: ProviderEmail[];
}

export interface AuthorizationRequest {
  state: string;
  codeVerifier: string;
  redirectUri: string;
}

export interface CodeExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
  state: string;
  /** The callback's other query parameters (VK ID sends `device_id`, which its token request needs). */
  query: Record<string, string>;
}

/**
 * One outside identity provider: where to send the browser, how to turn the code into an
 * access token (authorization code with PKCE S256), and how to read the verified profile.
 * Every implementation talks to base URLs from the config, so tests point them at the
 * fake in test/fakes/oauth/.
 */
export interface OAuthProvider {
  readonly id: ProviderId;
  readonly label: string;
  authorizationUrl(r: AuthorizationRequest): URL;
  exchange(r: CodeExchange): Promise<string>;
  profile(accessToken: string): Promise<ProviderProfile>;
}

/** The client secret, resolved when needed (a secret reference can rotate without a restart). */
export type SecretSource = () => Promise<string | undefined>;

const TIMEOUT_MS = 10_000;
const MAX_BYTES = 256 * 1024;

export class ProviderError extends FlowLinkError {
  constructor(
    readonly stage: 'exchange' | 'profile',
    message: string,
  ) {
    super('upstream_error', message);
  }
}

/** A JSON request to a provider with a timeout and a size bound; any failure names the provider and step, never a token. */
export async function providerJson(provider: string, stage: 'exchange' | 'profile', url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new ProviderError(stage, `${provider} could not be reached (${(err as Error).name})`);
  }
  const text = await res.text();
  if (text.length > MAX_BYTES) throw new ProviderError(stage, `${provider} sent an answer larger than ${MAX_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProviderError(stage, `${provider} answered ${res.status} with a body that is not JSON`);
  }
  const err = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : undefined;
  if (!res.ok || err !== undefined) {
    const code = typeof err === 'string' ? err.slice(0, 64) : typeof err === 'object' && err ? String((err as { error_code?: unknown }).error_code ?? 'error').slice(0, 64) : String(res.status);
    throw new ProviderError(stage, `${provider} refused the ${stage === 'exchange' ? 'authorization code' : 'profile request'} (${code})`);
  }
  return body;
}

export function str(v: unknown, max = 320): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}
