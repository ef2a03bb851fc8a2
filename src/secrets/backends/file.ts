import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { FlowLinkError } from '../../lib/errors.ts';
import { MAX_VALUE_BYTES } from '../secrets.types.ts';
import type { SecretBackend } from './backend.ts';

/**
 * Values from files (`file:/run/secrets/db`), such as Docker or Kubernetes secret mounts.
 * With `roots`, only files under those folders (after resolving symlinks) are read. A
 * single trailing newline is dropped, as secret files usually end with one.
 */
export function createFileBackend(opts: { roots?: string[] } = {}): SecretBackend<{ backend: 'file'; path: string }> {
  return {
    kind: 'file',
    async read(ref) {
      let real: string;
      try {
        real = await realpath(ref.path);
      } catch {
        return undefined;
      }
      if (opts.roots?.length && !opts.roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) return undefined;
      const fh = await open(real, 'r').catch(() => undefined);
      if (!fh) throw new FlowLinkError('secrets_unavailable', 'a secret file exists but cannot be opened (check its permissions)');
      try {
        const st = await fh.stat();
        if (!st.isFile()) return undefined;
        if (st.size > MAX_VALUE_BYTES) throw new FlowLinkError('secrets_unavailable', `a secret file is larger than ${MAX_VALUE_BYTES} bytes`);
        const text = (await fh.readFile()).toString('utf8');
        return text.replace(/\r?\n$/, '');
      } finally {
        await fh.close();
      }
    },
  };
}
