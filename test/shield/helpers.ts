/** Shared test helpers: one Shield per test process, and rule examples turned into calls. */
import { createShield, type Shield, type ShieldCall } from '../../src/shield/index.ts';
import type { CompiledRule } from '../../src/shield/rules.loader.ts';
import type { RuleExample } from '../../src/shield/rules.schema.ts';

let shared: Promise<Shield> | undefined;
export function sharedShield(): Promise<Shield> {
  shared ??= createShield();
  return shared;
}

export function shellCall(command: string): ShieldCall {
  return { server: 'ops', tool: 'run_command', arguments: { command } };
}

export function sqlCall(sql: string): ShieldCall {
  return { server: 'db', tool: 'query', arguments: { sql } };
}

/** A rule example as a call: strings are shell commands for command rules and SQL for SQL rules. */
export function exampleCall(rule: CompiledRule, ex: RuleExample): ShieldCall {
  if (typeof ex !== 'string') return { server: ex.server ?? 'mcp', tool: ex.tool, arguments: ex.arguments, ...(ex.serverLabels ? { serverLabels: ex.serverLabels } : {}) };
  if (rule.sql && !/^(psql|mysql|sqlite3|echo|grep|cat)\b/.test(ex)) return sqlCall(ex);
  return shellCall(ex);
}
