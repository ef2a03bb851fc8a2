/**
 * SQL handed to database clients in shell commands (psql -c, mysql -e, sqlite3 db 'SQL',
 * heredocs and pipes into a client) is collected for the SQL analyzer, with the database
 * and host it goes to.
 */
import type { Word } from './command.ts';
import { stdinCode, type EmitMeta } from './shell.nested.ts';
import type { WalkCtx } from './shell.ts';

const SQL_CODE_OPTS: Record<string, string[]> = {
  psql: ['-c', '--command'],
  mysql: ['-e', '--execute'],
  mariadb: ['-e', '--execute'],
  'clickhouse-client': ['-q', '--query'],
  cockroach: ['-e', '--execute'],
  duckdb: ['-c'],
};
const SQL_CONTEXT_OPTS = new Set(['-d', '--dbname', '-D', '--database', '-h', '--host']);

export function collectSql(program: string, args: Word[], meta: EmitMeta, ctx: WalkCtx): void {
  const codeOpts = SQL_CODE_OPTS[program] ?? [];
  const context: string[] = [];
  const sqls: string[] = [];
  const positionals: string[] = [];
  let hasFile = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!.text;
    const eq = w.indexOf('=');
    const name = w.startsWith('--') && eq > 0 ? w.slice(0, eq) : w;
    const inline = w.startsWith('--') && eq > 0 ? w.slice(eq + 1) : undefined;
    const value = inline ?? args[i + 1]?.text;
    if (codeOpts.includes(name)) {
      if (value !== undefined) sqls.push(value);
      if (inline === undefined) i++;
    } else if (SQL_CONTEXT_OPTS.has(name)) {
      if (value !== undefined) context.push(name === '-h' || name === '--host' ? `host:${value}` : value);
      if (inline === undefined) i++;
    } else if (name === '-f' || name === '--file') {
      hasFile = true;
      i++;
    } else if (/^-[a-zA-Z]$/.test(w) && ['-U', '-p', '-u', '-P', '-v', '-o'].includes(w)) i++;
    else if (!w.startsWith('-')) positionals.push(w);
  }
  if (program === 'sqlite3' || program === 'duckdb') {
    if (positionals[0]) context.push(positionals[0]);
    if (positionals[1]) sqls.push(positionals[1]);
  } else if (positionals[0]) context.push(...positionals.filter((p) => p !== 'sql'));
  if (sqls.length === 0 && !hasFile) {
    const code = stdinCode(meta);
    if (code !== undefined) sqls.push(code);
  }
  for (const sql of sqls) ctx.out.sqls.push({ sql, origin: 'shell', context });
}
