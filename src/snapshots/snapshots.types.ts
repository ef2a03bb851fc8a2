import type { PolicyDocument } from '../policy/document.ts';

export const SNAPSHOT_REASONS = ['manual', 'schedule', 'policy-change', 'incident'] as const;
export type SnapshotReason = (typeof SNAPSHOT_REASONS)[number];

export interface SnapshotServer {
  name: string;
  transport: 'stdio' | 'http';
  /** The server's configuration with env/header values redacted ({{secret:…}} references kept). */
  config: Record<string, unknown>;
  /** Pinned tool definitions for this org (src/shield/pins). */
  tools: { tool: string; status: string; hash: string; pending_hash: string | null; definition: unknown }[];
}

/** What a snapshot holds. Never agent tokens, API keys or secret values. */
export interface SnapshotContent {
  format: 'flowlink-snapshot';
  version: 1;
  org: { id: string; name: string };
  policy: { version: number; checksum: string; document: PolicyDocument };
  agents: { id: string; name: string; labels: Record<string, string>; scopes: { servers: string[]; tools: string[] }; revoked: boolean; created_at: string }[];
  servers: SnapshotServer[];
  /** The boot configuration, redacted (servers are listed above). */
  config: Record<string, unknown>;
  audit: { head: { seq: number; hash: string } | null; checkpoint: { seq: number; hash: string; ts: string; key_id: string } | null };
}

export interface SnapshotMeta {
  id: string;
  org_id: string;
  reason: SnapshotReason;
  ref: string | null;
  actor: string;
  created_at: string;
  content_sha256: string;
  policy_version: number;
  audit_seq: number | null;
}

export interface Snapshot extends SnapshotMeta {
  content: SnapshotContent;
}
