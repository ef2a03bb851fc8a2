import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';

/**
 * A fake OpenID Connect issuer speaking the real formats: a discovery document at
 * /.well-known/openid-configuration and a JWKS at /jwks, and RS256 access tokens. Keys
 * rotate on demand; `jwksFetches` counts key set downloads.
 */
export class FakeOidcIssuer {
  private server: Server | undefined;
  private keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  issuer = '';
  jwksFetches = 0;

  async start(): Promise<this> {
    await this.addKey();
    this.server = createServer((req, res) => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        return json(200, { issuer: this.issuer, jwks_uri: `${this.issuer}/jwks`, authorization_endpoint: `${this.issuer}/authorize`, token_endpoint: `${this.issuer}/token`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
      }
      if (req.url === '/jwks') {
        this.jwksFetches++;
        return json(200, { keys: this.keys.map((k) => k.jwk) });
      }
      json(404, { error: 'not_found' });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async addKey(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `k${this.keys.length + 1}-${Date.now().toString(36)}`;
    this.keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return kid;
  }

  /** Publishes a new key and retires every old one (their tokens stop verifying). */
  async rotate(): Promise<string> {
    const kid = await this.addKey();
    this.keys = this.keys.filter((k) => k.kid === kid);
    return kid;
  }

  /** Signs an access token; `expiresIn` in seconds (negative: already expired). */
  async token(claims: Record<string, unknown>, opts: { expiresIn?: number; issuer?: string; audience?: string | undefined; sub?: string; notBefore?: number } = {}): Promise<string> {
    const key = this.keys[this.keys.length - 1]!;
    const now = Math.floor(Date.now() / 1000);
    let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' }).setIssuer(opts.issuer ?? this.issuer).setSubject(opts.sub ?? 'user-1').setIssuedAt(now).setExpirationTime(now + (opts.expiresIn ?? 300));
    if (opts.audience !== undefined) jwt = jwt.setAudience(opts.audience);
    if (opts.notBefore !== undefined) jwt = jwt.setNotBefore(now + opts.notBefore);
    return jwt.sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
