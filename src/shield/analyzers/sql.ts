/**
 * SQL analysis with the real PostgreSQL parser (libpg-query). Every statement node in
 * the tree is visited, so a DELETE inside a CTE, an EXPLAIN ANALYZE UPDATE or a stacked
 * statement is seen as what it does. Input the parser rejects (another dialect, a typo)
 * falls back to a lexical reading that is only trusted for read-only statements.
 */
import { loadModule, parseSync } from 'libpg-query';

export interface SqlFact {
  stmt: string;
  object?: string;
  noWhere?: boolean;
  functions: string[];
  roleOptions: string[];
  privileges: string[];
  grantees: string[];
  roles: string[];
  languages: string[];
  tables: string[];
  text: string;
}

export interface SqlResult {
  facts: SqlFact[];
  parsed: boolean;
  error?: string;
}

export async function initSqlParser(): Promise<void> {
  await loadModule();
}

type Node = Record<string, unknown>;

const isObj = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function sval(n: unknown): string | undefined {
  if (isObj(n) && isObj(n.String)) return String(n.String.sval ?? '');
  return undefined;
}

function stripLocations(n: unknown): string {
  return JSON.stringify(n, (k, v) => (k === 'location' ? undefined : v));
}

/** WHERE clauses that select every row: WHERE true, WHERE 1=1, WHERE 'a'='a', ... OR 1=1. */
function triviallyTrue(w: unknown): boolean {
  if (!isObj(w)) return false;
  if (isObj(w.A_Const)) return (w.A_Const as Node).boolval !== undefined ? Boolean(((w.A_Const as Node).boolval as Node)?.boolval) : false;
  if (isObj(w.A_Expr)) {
    const e = w.A_Expr as Node;
    const op = Array.isArray(e.name) ? sval(e.name[0]) : undefined;
    if (e.kind === 'AEXPR_OP' && op === '=' && isObj(e.lexpr) && isObj(e.rexpr) && 'A_Const' in e.lexpr && 'A_Const' in e.rexpr) {
      return stripLocations(e.lexpr) === stripLocations(e.rexpr);
    }
  }
  if (isObj(w.BoolExpr)) {
    const b = w.BoolExpr as Node;
    const args = Array.isArray(b.args) ? b.args : [];
    if (b.boolop === 'OR_EXPR') return args.some(triviallyTrue);
    if (b.boolop === 'AND_EXPR') return args.length > 0 && args.every(triviallyTrue);
  }
  return false;
}

function rangeName(r: unknown): string | undefined {
  if (!isObj(r)) return undefined;
  const rv = isObj(r.RangeVar) ? (r.RangeVar as Node) : r;
  if (typeof rv.relname !== 'string') return undefined;
  return [rv.catalogname, rv.schemaname, rv.relname].filter((x) => typeof x === 'string').join('.');
}

function newFact(stmt: string, text: string): SqlFact {
  return { stmt, functions: [], roleOptions: [], privileges: [], grantees: [], roles: [], languages: [], tables: [], text };
}

function roleName(r: unknown): string {
  if (!isObj(r) || !isObj(r.RoleSpec)) return '';
  const rs = r.RoleSpec as Node;
  if (rs.roletype === 'ROLESPEC_PUBLIC') return 'public';
  return String(rs.rolename ?? rs.roletype ?? '').toLowerCase();
}

function defElems(list: unknown): Array<{ name: string; value: unknown }> {
  if (!Array.isArray(list)) return [];
  return list.filter((d) => isObj(d) && isObj(d.DefElem)).map((d) => {
    const e = (d as Node).DefElem as Node;
    return { name: String(e.defname ?? ''), value: e.arg };
  });
}

function truthy(v: unknown): boolean {
  if (v === undefined) return true;
  if (isObj(v) && isObj(v.Boolean)) return Boolean((v.Boolean as Node).boolval);
  if (isObj(v) && isObj(v.Integer)) return Number((v.Integer as Node).ival ?? 0) !== 0;
  return true;
}

/** Normalizes one statement node (key ends in Stmt) into a fact. */
function describe(kind: string, s: Node, text: string): SqlFact[] {
  const f = newFact(kind.replace(/Stmt$/, '').toLowerCase(), text);
  switch (kind) {
    case 'SelectStmt':
      f.stmt = s.intoClause ? 'select_into' : 'select';
      break;
    case 'UpdateStmt':
    case 'DeleteStmt':
      f.stmt = kind === 'UpdateStmt' ? 'update' : 'delete';
      f.noWhere = !s.whereClause || triviallyTrue(s.whereClause);
      if (kind === 'DeleteStmt' && s.usingClause) f.noWhere = !s.whereClause || triviallyTrue(s.whereClause);
      break;
    case 'DropStmt':
      f.stmt = 'drop';
      f.object = String(s.removeType ?? '').replace(/^OBJECT_/, '').toLowerCase();
      for (const o of Array.isArray(s.objects) ? s.objects : []) {
        const items = isObj(o) && isObj(o.List) && Array.isArray((o.List as Node).items) ? ((o.List as Node).items as unknown[]) : [o];
        const name = items.map(sval).filter(Boolean).join('.');
        if (name) f.tables.push(name);
      }
      break;
    case 'DropdbStmt':
      f.stmt = 'drop';
      f.object = 'database';
      f.tables.push(String(s.dbname ?? ''));
      break;
    case 'DropRoleStmt':
      f.stmt = 'drop';
      f.object = 'role';
      break;
    case 'DropTableSpaceStmt':
      f.stmt = 'drop';
      f.object = 'tablespace';
      break;
    case 'TruncateStmt':
      f.stmt = 'truncate';
      break;
    case 'GrantStmt':
      f.stmt = s.is_grant ? 'grant' : 'revoke';
      f.privileges = Array.isArray(s.privileges) && s.privileges.length
        ? s.privileges.map((p) => String((isObj(p) && isObj(p.AccessPriv) ? (p.AccessPriv as Node).priv_name : '') ?? '').toLowerCase())
        : ['all'];
      f.grantees = (Array.isArray(s.grantees) ? s.grantees : []).map(roleName);
      f.object = String(s.objtype ?? '').replace(/^OBJECT_/, '').toLowerCase();
      if (s.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') f.object = 'all_in_schema';
      break;
    case 'GrantRoleStmt':
      f.stmt = s.is_grant ? 'grant_role' : 'revoke_role';
      f.roles = (Array.isArray(s.granted_roles) ? s.granted_roles : []).map((r) => String((isObj(r) && isObj(r.AccessPriv) ? (r.AccessPriv as Node).priv_name : roleName(r)) ?? '').toLowerCase());
      f.grantees = (Array.isArray(s.grantee_roles) ? s.grantee_roles : []).map(roleName);
      break;
    case 'CreateRoleStmt':
    case 'AlterRoleStmt':
      f.stmt = kind === 'CreateRoleStmt' ? 'create_role' : 'alter_role';
      f.roleOptions = defElems(s.options).filter((d) => truthy(d.value)).map((d) => d.name.toLowerCase());
      break;
    case 'CopyStmt':
      f.stmt = s.is_program ? 'copy_program' : typeof s.filename === 'string' ? (s.is_from ? 'copy_from_file' : 'copy_to_file') : 'copy';
      if (typeof s.filename === 'string') f.object = s.filename;
      break;
    case 'CreateFunctionStmt':
    case 'DoStmt':
      f.stmt = kind === 'DoStmt' ? 'do' : 'create_function';
      f.languages = [...defElems(s.options), ...defElems(s.args)].filter((d) => d.name === 'language').map((d) => (sval(d.value) ?? '').toLowerCase());
      break;
    case 'AlterTableStmt': {
      const out: SqlFact[] = [];
      for (const c of Array.isArray(s.cmds) ? s.cmds : []) {
        const sub = isObj(c) && isObj(c.AlterTableCmd) ? String((c.AlterTableCmd as Node).subtype ?? '') : '';
        const m: Record<string, string> = { AT_DropColumn: 'drop_column', AT_DisableRowSecurity: 'disable_rls', AT_NoForceRowSecurity: 'disable_rls', AT_DisableTrig: 'disable_trigger', AT_DisableTrigAll: 'disable_trigger', AT_DropConstraint: 'drop_constraint' };
        if (m[sub]) out.push({ ...newFact(m[sub]!, text), tables: f.tables });
      }
      f.stmt = 'alter_table';
      const name = rangeName(s.relation);
      if (name) f.tables.push(name);
      return [f, ...out];
    }
    case 'VariableSetStmt':
      f.stmt = 'set';
      f.object = String(s.name ?? '').toLowerCase();
      break;
    case 'CreateExtensionStmt':
      f.object = String(s.extname ?? '').toLowerCase();
      break;
    default:
      break;
  }
  const rel = rangeName(s.relation);
  if (rel) f.tables.push(rel);
  if (Array.isArray(s.relations)) for (const r of s.relations) { const n = rangeName(r); if (n) f.tables.push(n); }
  return [f];
}

function walk(n: unknown, text: string, out: SqlFact[], fnSink: string[], tableSink: string[]): void {
  if (Array.isArray(n)) {
    for (const x of n) walk(x, text, out, fnSink, tableSink);
    return;
  }
  if (!isObj(n)) return;
  for (const [k, v] of Object.entries(n)) {
    if (k.endsWith('Stmt') && isObj(v)) out.push(...describe(k, v, text));
    else if (k === 'FuncCall' && isObj(v) && Array.isArray(v.funcname)) {
      const name = v.funcname.map(sval).filter(Boolean).pop();
      if (name) fnSink.push(name.toLowerCase());
    } else if (k === 'RangeVar' && isObj(v)) {
      const name = rangeName(v);
      if (name) tableSink.push(name);
    }
    if (typeof v === 'object' && v !== null) walk(v, text, out, fnSink, tableSink);
  }
}

export function analyzeSql(input: string): SqlResult {
  // Client meta-commands (psql \dt, \copy; sqlite .tables) are not SQL statements.
  const sql = input.replace(/^[ \t]*(\\|\.[a-z])[^\n]*$/gim, '');
  if (!sql.trim()) return { facts: [], parsed: true };
  let tree: { stmts?: Array<{ stmt?: unknown; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (e) {
    return { facts: lexicalFacts(sql), parsed: false, error: e instanceof Error ? e.message : String(e) };
  }
  const facts: SqlFact[] = [];
  for (const raw of tree.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const text = sql.slice(start, raw.stmt_len ? start + raw.stmt_len : undefined).trim().slice(0, 200);
    const fns: string[] = [];
    const tables: string[] = [];
    const before = facts.length;
    walk(raw.stmt, text, facts, fns, tables);
    const mine = facts.slice(before);
    for (const f of mine) {
      f.functions = [...new Set(fns)];
      if (f.tables.length === 0 && (f.stmt === 'select' || f.stmt === 'insert')) f.tables = [...new Set(tables)];
    }
  }
  return { facts, parsed: true };
}

const READ_ONLY = new Set(['select', 'show', 'describe', 'desc', 'explain', 'use', 'pragma', 'values', 'table']);
const DANGER_WORDS = /\b(into\s+(out|dump)file|load_file|drop|delete|truncate|update|insert|grant|revoke|alter|create|replace|exec|execute|call|copy|load\s+data|shutdown|kill|set)\b/i;

/** A lexical reading for statements the PostgreSQL parser rejects (MySQL backticks, T-SQL, ...). */
function lexicalFacts(sql: string): SqlFact[] {
  const cleaned = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').replace(/'(?:[^'\\]|\\.|'')*'/g, "''");
  const facts: SqlFact[] = [];
  for (const part of cleaned.split(';')) {
    const t = part.trim();
    if (!t) continue;
    const words = t.toLowerCase().split(/[\s(`"]+/).filter(Boolean);
    const first = words[0] ?? '';
    const f = newFact(first, t.slice(0, 200));
    if (READ_ONLY.has(first) && !DANGER_WORDS.test(t)) f.stmt = 'select';
    else if (first === 'drop') f.object = words[1] === 'temporary' ? words[2] : words[1];
    else if (first === 'delete' || first === 'update') f.noWhere = !/\bwhere\b/i.test(t) || /\bwhere\s+(1\s*=\s*1|true)\s*$/i.test(t);
    else f.stmt = first;
    if (/\binto\s+(out|dump)file\b/i.test(t)) f.stmt = 'copy_to_file';
    if (/\bload_file\s*\(/i.test(t)) f.functions.push('load_file');
    facts.push(f);
  }
  return facts;
}
