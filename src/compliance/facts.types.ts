import type { PolicyDocument } from '../policy/document.ts';

/**
 * Everything the checks look at, gathered once per report for one org. Plain data: the
 * checks are pure functions over it, and the report can say exactly what it saw.
 */
export interface RetentionFacts {
  configured: boolean;
  /** Days audit events / command history are kept (null: kept forever). */
  auditDays?: number | null;
  historyDays?: number | null;
  /** Where the answer came from (module name), for the evidence. */
  source: string;
}

export interface SiemSinkFacts {
  id: string;
  /** Audit events not yet delivered to this sink for the org. */
  lag: number;
  lastError: string | null;
  deliveredAt: string | null;
}

export interface SiemFacts {
  configured: boolean;
  sinks: SiemSinkFacts[];
  source: string;
}

/**
 * Facts that other modules own and may not be present in every build: each has a default
 * that answers "not configured", so a report never fails for a module that is absent.
 */
export interface FactsProviders {
  retention(orgId: string): Promise<RetentionFacts>;
  siem(orgId: string): Promise<SiemFacts>;
}

export const absentProviders: FactsProviders = {
  retention: async () => ({ configured: false, source: 'none' }),
  siem: async () => ({ configured: false, sinks: [], source: 'none' }),
};

export interface ServerFacts {
  name: string;
  labels: Record<string, string>;
  transport: 'stdio' | 'http';
  /** env/header keys whose values look like credentials but are not {{secret:…}} references. */
  plaintextKeys: string[];
  /** env/header values that are {{secret:…}} references. */
  secretRefs: number;
}

export interface ComplianceFacts {
  now: string;
  org: { id: string; name: string; requireMfa: boolean };
  members: { userId: string; role: string; totp: boolean }[];
  audit: {
    head: { seq: number; hash: string } | null;
    /** null when verification was not run (the report was asked for without it). */
    chain: { ok: boolean; records: number; beginsAt: number; problems: { seq: number; kind: string }[] } | null;
    checkpoint: { seq: number; hash: string; ts: string; key_id: string } | null;
  };
  shield: {
    enabled: boolean;
    thresholds: { approve: number; block: number };
    /** Built-in rules of severity high or critical, and how many stay high or critical after config. */
    highRiskRules: number;
    disabledHighRisk: string[];
    downgradedHighRisk: string[];
    /** Per rule pack (category): high/critical built-in rules, and how many of them still end in approve or block. */
    categories: { pack: string; highRisk: number; gated: number }[];
  };
  pins: { total: number; quarantined: number; servers: string[] };
  servers: ServerFacts[];
  policy: { version: number; document: PolicyDocument };
  agents: { id: string; name: string; scopes: { servers: string[]; tools: string[] }; revoked: boolean; createdAt: string; lastSeenAt: string | null; tokens: { expiresAt: string | null }[] }[];
  apiKeys: { id: string; name: string; createdAt: string; lastUsedAt: string | null; expiresAt: string | null }[];
  secrets: { name: string; updatedAt: string }[];
  approvals: { enabled: boolean; channels: string[]; escalation: boolean };
  retention: RetentionFacts;
  siem: SiemFacts;
}
