import type { SecretBackend } from './backend.ts';

/** Values from FlowLink's own environment (`env:NAME`); parseRef already refused FlowLink's own settings. */
export function createEnvBackend(env: NodeJS.ProcessEnv): SecretBackend<{ backend: 'env'; variable: string }> {
  return {
    kind: 'env',
    async read(ref) {
      const v = env[ref.variable];
      return v === undefined || v === '' ? undefined : v;
    },
  };
}
