/** Types for client.js (the dependency-free hook client shared by bin/flowlink-hook.js and `flowlink hook`). */

export type HookClient = 'claude-code' | 'cursor' | 'codex';
export type HookDecision = 'allow' | 'deny' | 'ask';

/** The body of POST /api/v1/decide. */
export interface DecideRequest {
  client: string;
  tool: string;
  input: Record<string, unknown>;
  cwd?: string;
  session_id?: string;
}

export type ReadResult =
  | { ok: true; event: string; request: DecideRequest; skip?: undefined }
  | { ok: true; event: string; skip: true; request?: undefined }
  | { ok: false; message: string };

export interface HookAnswer {
  decision: HookDecision;
  reason: string;
}

export interface HookOutput {
  stdout: string;
  stderr?: string;
  exitCode: number;
}

export interface HookRunOptions {
  client: string;
  stdinText: string;
  env: Record<string, string | undefined>;
  url?: string | undefined;
  token?: string | undefined;
  failOpen?: boolean | undefined;
  timeoutMs?: number | undefined;
}

export const HOOK_CLIENTS: readonly HookClient[];
export function readHookPayload(client: string, payload: unknown): ReadResult;
export function formatHookOutput(client: string, event: string, answer: HookAnswer): HookOutput;
export function postJson(url: string, token: string | undefined, body: unknown, timeoutMs: number): Promise<{ status: number; body: unknown }>;
export function decideUrl(base: string): string;
export function runHook(o: HookRunOptions): Promise<HookOutput>;
export function readAll(stream: NodeJS.ReadableStream): Promise<string>;
