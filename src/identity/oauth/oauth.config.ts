import { z } from 'zod';

const clientId = z.string().min(1).max(256);
/**
 * A secret reference, never the secret itself: `env:NAME`, `vault:<mount>/data/<path>#<field>`,
 * `file:/abs/path`, or the name of a secret stored in the default organization.
 */
const secretRef = z.string().min(1).max(512).refine((s) => !/\s/.test(s), 'a secret reference such as env:GITHUB_CLIENT_SECRET (no spaces)');
const base = (def: string) => z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).default(def);

/** `identity.oauth`: sign-in with GitHub, Yandex ID and VK ID (docs/identity.md). A provider is on when its section is present. */
export const OAuthConfigSchema = z.strictObject({
  github: z
    .strictObject({
      clientId,
      clientSecret: secretRef,
      baseUrl: base('https://github.com'),
      apiUrl: base('https://api.github.com'),
    })
    .optional(),
  yandex: z
    .strictObject({
      clientId,
      clientSecret: secretRef,
      baseUrl: base('https://oauth.yandex.ru'),
      loginUrl: base('https://login.yandex.ru'),
    })
    .optional(),
  vk: z
    .strictObject({
      clientId,
      /** VK ID's code exchange is a PKCE public-client request: no secret is sent. Accepted for symmetry. */
      clientSecret: secretRef.optional(),
      baseUrl: base('https://id.vk.com'),
    })
    .optional(),
});

export type OAuthConfig = z.output<typeof OAuthConfigSchema>;
