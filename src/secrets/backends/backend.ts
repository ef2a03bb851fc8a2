import type { SecretRef } from '../secrets.types.ts';

/**
 * One interface for every place a value can come from. `read` resolves to the value, or
 * undefined when the backend has nothing at that reference; it throws a FlowLinkError
 * (`secrets_unavailable`) when the backend cannot answer (sealed, unreachable, refused),
 * with a message that names the backend and never a value.
 */
export interface SecretBackend<R extends SecretRef = SecretRef> {
  readonly kind: R['backend'];
  read(ref: R): Promise<string | undefined>;
}
