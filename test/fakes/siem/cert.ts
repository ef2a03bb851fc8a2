import { generate } from 'selfsigned';

/** A self-signed certificate for 127.0.0.1 and localhost (RSA 2048, SHA-256), for the TLS receiver; `cert` is its own CA. */
export async function selfSignedCert(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'flowlink-test-syslog' }], {
    keySize: 2048,
    days: 2,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  } as never);
  return { key: pems.private, cert: pems.cert };
}
