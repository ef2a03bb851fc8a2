/**
 * Shield's public data types. Everything here is plain data so verdicts can be stored
 * with the call, printed by the CLI and compared in tests.
 */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface ShieldCall {
  agent?: string;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  toolSchema?: { inputSchema?: unknown; description?: string };
  serverLabels?: Record<string, string>;
  /** Extra risk (0–100) carried by the session, e.g. after a prompt injection was seen in a result. */
  sessionRisk?: number;
}

export interface ShieldReason {
  rule: string;
  severity: Severity;
  message: string;
  match?: string;
}

export interface ShieldTarget {
  kind: 'host' | 'url' | 'path' | 'k8s' | 'database' | 'table' | 'cloud' | 'repo' | 'branch' | 'container' | 'service' | string;
  value: string;
  [k: string]: unknown;
}

export type Verdict = 'allow' | 'approve' | 'block';

export interface ShieldVerdict {
  verdict: Verdict;
  risk: number;
  severity: Severity;
  reasons: ShieldReason[];
  targets: ShieldTarget[];
}

export interface ToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

export interface ToolScan {
  findings: ShieldReason[];
  hash: string;
}

export interface ResultScan {
  content: unknown[];
  findings: ShieldReason[];
  redactions: number;
  injection: boolean;
}

export interface Thresholds {
  approve: number;
  block: number;
}

export interface RuleOverride {
  severity?: Severity;
  disabled?: boolean;
}

export interface Shield {
  /** Synchronous after init. Fails closed: an internal error yields at least 'approve'. */
  analyzeCall(call: ShieldCall): ShieldVerdict;
  scanToolDefinition(server: string, tool: ToolDefinition): ToolScan;
  scanResult(server: string, tool: string, content: unknown[]): ResultScan;
  explainCall(call: ShieldCall): unknown;
}
