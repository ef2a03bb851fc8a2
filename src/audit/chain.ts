import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.ts';

/** The first record of every org chains to this value. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit record that its hash covers, in their canonical form. */
export interface ChainedFields {
  org_id: string;
  seq: number;
  id: string;
  ts: string;
  kind: string;
  code: string;
  actor_type: string;
  actor_id: string | null;
  outcome: string;
  data: unknown;
}

/** hash = SHA-256(prev_hash || canonical JSON of the record). Pure; used to write and to verify. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}
