/**
 * Finds what a tool call will execute or touch: shell strings, argv arrays, inline code,
 * SQL, URLs and file paths, by argument name, tool name, input schema and configured
 * extractors; structured tools (kubectl_delete {resourceType, name, namespace}) are
 * rewritten as the equivalent CLI command so one set of rules covers both.
 */
import type { ShieldCall } from './types.ts';
import type { Extractor } from './config.ts';

export interface SynthCmd {
  program: string;
  args: string[];
  redirectOut?: string;
  /** Synthesized reader feeding this command (upload tools). */
  readsFrom?: string;
  key: string;
}

export interface CallInputs {
  shell: Array<{ key: string; text: string }>;
  argv: Array<{ key: string; words: string[] }>;
  code: Array<{ key: string; lang: string; text: string }>;
  sql: Array<{ key: string; text: string }>;
  synth: SynthCmd[];
  envValues: string[];
}

const SHELL_KEYS = /^(command|cmd|script|shell|bash|sh|command_?line|shell_?command|bash_?command|run|exec|execute|cmdline|commands)$/i;
const CODE_KEYS = /^(code|source|source_?code|python_?code|js_?code|program|snippet)$/i;
const SQL_KEYS = /^(sql|sql_?query|sql_?statement|statement|statements|query_?sql|raw_?sql)$/i;
const QUERY_KEYS = /^(query|q|stmt|queries)$/i;
const URL_KEYS = /^(url|uri|href|link|endpoint|target_?url|webhook(_?url)?|callback_?url|base_?url|image_?url|feed_?url|remote_?url|download_?url|website)$/i;
const PATH_KEYS = /^(path|file|file_?path|filepath|filename|file_?name|source|destination|dest|target|dir|directory|folder|source_?path|destination_?path|target_?path|dest_?path|paths|files|old_?path|new_?path|from|to|src|dst|location|root|cwd|working_?dir(ectory)?)$/i;
const ENV_KEYS = /(^env$|environment|stage|namespace|context|cluster|project|profile|workspace|stack|database|^db$|db_?name|host|region|account|subscription|resource_?group)/i;
const DB_HINT = /(sql|postgres|pg|mysql|maria|sqlite|database|(^|[_-])db([_-]|$)|query|snowflake|bigquery|redshift|clickhouse|supabase|neon|cockroach|duckdb|mssql|oracle|athena|trino|presto|timescale)/i;
const CODE_TOOL = /(python|code|notebook|jupyter|javascript|node|repl|interpreter|eval|sandbox)/i;
const SQL_START = /^\s*(\(|select|with|insert|update|delete|drop|create|alter|truncate|grant|revoke|copy|begin|set|show|explain|vacuum|analyze|reindex|call|do|merge|comment|refresh|lock|cluster|reset|discard|values|table|describe|desc|pragma|use)\b/i;

const CLI_TOKENS: Record<string, string> = {
  kubectl: 'kubectl', k8s: 'kubectl', kube: 'kubectl', kubernetes: 'kubectl', oc: 'kubectl', openshift: 'kubectl',
  helm: 'helm', git: 'git', docker: 'docker', podman: 'docker', terraform: 'terraform', tf: 'terraform', pulumi: 'pulumi',
  aws: 'aws', gcloud: 'gcloud', gcp: 'gcloud', az: 'az', azure: 'az', systemctl: 'systemctl', systemd: 'systemctl',
};
const NOISE_TOKENS = new Set(['tool', 'run', 'cmd', 'command', 'operation', 'op', 'action', 'execute', 'mcp', 'resource', 'resources', 'api']);

export function nameTokens(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

function globMatch(glob: string | undefined, s: string): boolean {
  if (!glob) return true;
  return new RegExp('^' + glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$', 'i').test(s);
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function schemaDescription(call: ShieldCall, key: string): string {
  const schema = call.toolSchema?.inputSchema as { properties?: Record<string, { description?: unknown }> } | undefined;
  const d = schema?.properties?.[key]?.description;
  return typeof d === 'string' ? d : '';
}

type Verb = 'delete' | 'move' | 'write' | 'read' | 'list' | 'upload' | 'other';

function toolVerb(tokens: string[]): Verb {
  const has = (re: RegExp) => tokens.some((t) => re.test(t));
  if (has(/^(delete|remove|rm|unlink|trash|erase|purge|destroy|rmdir|wipe)$/)) return 'delete';
  if (has(/^(upload|send|post|share|attach|email|mail|publish|transfer|exfil)$/)) return 'upload';
  if (has(/^(move|rename|mv|copy|cp)$/)) return 'move';
  if (has(/^(write|create|edit|update|append|save|put|patch|replace|insert|modify|overwrite|mkdir|set)$/)) return 'write';
  if (has(/^(read|get|view|cat|open|download|show|head|tail|load|fetch|print|dump|export)$/)) return 'read';
  if (has(/^(list|ls|search|find|tree|stat|info|exists|glob|grep|directory)$/)) return 'list';
  return 'other';
}

const kebab = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();

/** kubectl_delete {resourceType, name, namespace} → kubectl delete <type> <name> -n <ns>. */
function synthesizeCli(program: string, tokens: string[], args: Record<string, unknown>): string[] {
  const verb = tokens.filter((t) => !NOISE_TOKENS.has(t) && CLI_TOKENS[t] === undefined);
  const words: string[] = program === 'aws' && verb.length > 1 ? [verb[0]!, verb.slice(1).join('-')] : [...verb];
  const positional = ['resourceType', 'resource_type', 'kind', 'type', 'resource', 'name', 'resourceName', 'resource_name', 'names', 'remote', 'branch', 'ref', 'refspec', 'release', 'target', 'commit', 'service', 'unit', 'container', 'image', 'bucket', 'stack', 'node'];
  const mapped: Record<string, (v: unknown) => string[]> = {
    namespace: (v) => ['-n', String(v)],
    context: (v) => ['--context', String(v)],
    allNamespaces: (v) => (v ? ['-A'] : []),
    all_namespaces: (v) => (v ? ['-A'] : []),
    all: (v) => (v ? ['--all'] : []),
    force: (v) => (v ? ['--force'] : []),
    selector: (v) => ['-l', String(v)],
    labelSelector: (v) => ['-l', String(v)],
    label_selector: (v) => ['-l', String(v)],
    mode: (v) => [`--${String(v)}`],
    repo_path: (v) => ['-C', String(v)],
    repoPath: (v) => ['-C', String(v)],
    manifest: (v) => ['-f', String(v)],
    filename: (v) => ['-f', String(v)],
  };
  for (const key of positional) {
    const v = args[key];
    if (typeof v === 'string' && v) words.push(v);
    else if (Array.isArray(v)) words.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  for (const [k, v] of Object.entries(args)) {
    if (positional.includes(k) || v === undefined || v === null || v === false) continue;
    const m = mapped[k];
    if (m) words.push(...m(v));
    else if (v === true) words.push(`--${kebab(k)}`);
    else if (typeof v === 'string' || typeof v === 'number') words.push(`--${kebab(k)}=${String(v)}`);
    else if (Array.isArray(v) && k === 'args') words.push(...v.map(String));
  }
  return words;
}

export function extractInputs(call: ShieldCall, extractors: Extractor[] = []): CallInputs {
  const out: CallInputs = { shell: [], argv: [], code: [], sql: [], synth: [], envValues: [] };
  const toolTokens = nameTokens(call.tool);
  const serverTokens = nameTokens(call.server);
  const dbTool = DB_HINT.test(call.tool) || DB_HINT.test(call.server);
  const codeTool = CODE_TOOL.test(call.tool);
  const verb = toolVerb(toolTokens);
  const args = call.arguments ?? {};
  const paths: Array<{ key: string; value: string }> = [];
  const urls: Array<{ key: string; value: string }> = [];

  for (const ex of extractors) {
    if (!globMatch(ex.server, call.server) || !globMatch(ex.tool, call.tool)) continue;
    const take = (list: string[] | undefined, sink: (key: string, v: string) => void) => {
      for (const p of list ?? []) {
        const v = getPath(args, p);
        if (typeof v === 'string') sink(p, v);
        else if (Array.isArray(v)) v.filter((x): x is string => typeof x === 'string').forEach((x) => sink(p, x));
      }
    };
    take(ex.shell, (key, text) => out.shell.push({ key, text }));
    take(ex.sql, (key, text) => out.sql.push({ key, text }));
    take(ex.url, (key, value) => urls.push({ key, value }));
    take(ex.path, (key, value) => paths.push({ key, value }));
    if (ex.code) take(ex.code.keys, (key, text) => out.code.push({ key, lang: ex.code!.lang, text }));
  }

  const visit = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    const argvList = Array.isArray(obj.args) && obj.args.every((a) => typeof a === 'string') ? (obj.args as string[]) : undefined;
    for (const [key, value] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (typeof value === 'string') {
        if (!value) continue;
        const desc = depth === 0 ? schemaDescription(call, key) : '';
        if (ENV_KEYS.test(key) && value.length < 200) out.envValues.push(value);
        if (SHELL_KEYS.test(key) || /\b(shell|bash) command|command to (run|execute)|command line\b/i.test(desc)) {
          if (argvList && !/\s/.test(value)) out.argv.push({ key: path, words: [value, ...argvList] });
          else out.shell.push({ key: path, text: value });
        } else if (CODE_KEYS.test(key) && (codeTool || typeof obj.language === 'string')) {
          const lang = String(obj.language ?? call.tool).toLowerCase();
          if (/bash|shell|sh\b|zsh/.test(lang)) out.shell.push({ key: path, text: value });
          else out.code.push({ key: path, lang: /js|javascript|node|typescript|deno/.test(lang) ? 'node' : /ruby/.test(lang) ? 'ruby' : /perl/.test(lang) ? 'perl' : 'python', text: value });
        } else if (SQL_KEYS.test(key) || (QUERY_KEYS.test(key) && dbTool && SQL_START.test(value)) || /\bSQL\b/.test(desc)) {
          out.sql.push({ key: path, text: value });
        } else if (URL_KEYS.test(key) || (/^https?:\/\//i.test(value) && !/\s/.test(value) && /^(to|target|host|server|address)$/i.test(key))) {
          urls.push({ key: path, value });
        } else if (PATH_KEYS.test(key) && value.length < 4096 && !value.includes('\n')) {
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) urls.push({ key: path, value });
          else paths.push({ key: path, value });
        }
      } else if (Array.isArray(value)) {
        if (PATH_KEYS.test(key)) value.filter((v): v is string => typeof v === 'string').forEach((v) => paths.push({ key: path, value: v }));
        else if ((SQL_KEYS.test(key) || (QUERY_KEYS.test(key) && dbTool)) && value.every((v) => typeof v === 'string')) value.forEach((v) => out.sql.push({ key: path, text: v as string }));
        else if (SHELL_KEYS.test(key) && value.every((v) => typeof v === 'string')) {
          if (key === 'commands') value.forEach((v) => out.shell.push({ key: path, text: v as string }));
          else out.argv.push({ key: path, words: value as string[] });
        } else if (depth < 3) value.forEach((v, i) => { if (v && typeof v === 'object' && !Array.isArray(v)) visit(v as Record<string, unknown>, `${path}.${i}`, depth + 1); });
      } else if (value && typeof value === 'object' && depth < 3) {
        visit(value as Record<string, unknown>, path, depth + 1);
      }
    }
  };
  visit(args, '', 0);

  for (const u of urls) out.synth.push({ program: '@fetch', args: [u.value], key: u.key });
  for (const p of paths) {
    const recursive = args.recursive === true || toolTokens.some((t) => /^(dir|directory|folder|tree|recursive|rmdir)$/.test(t));
    switch (verb) {
      case 'delete':
        out.synth.push({ program: 'rm', args: recursive ? ['-r', p.value] : [p.value], key: p.key });
        break;
      case 'upload':
        out.synth.push({ program: '@fetch', args: urls.map((u) => u.value), readsFrom: p.value, key: p.key });
        break;
      case 'move':
      case 'write':
        if (verb === 'move' && /^(source|src|from|old_?path|source_?path)$/i.test(p.key)) out.synth.push({ program: 'cat', args: [p.value], key: p.key });
        else out.synth.push({ program: '@write', args: [], redirectOut: p.value, key: p.key });
        break;
      case 'read':
        out.synth.push({ program: 'cat', args: [p.value], key: p.key });
        break;
      default:
        out.synth.push({ program: 'ls', args: [p.value], key: p.key });
    }
  }

  // Structured CLI-like tools: only when nothing executable was found in the arguments.
  if (out.shell.length === 0 && out.argv.length === 0) {
    const cliToken = [...toolTokens, ...serverTokens].find((t) => CLI_TOKENS[t] !== undefined);
    if (cliToken) {
      const program = CLI_TOKENS[cliToken]!;
      const words = synthesizeCli(program, toolTokens, args);
      if (words.length) out.argv.push({ key: '(tool)', words: [program, ...words] });
    }
  }
  for (const [k, v] of Object.entries(call.serverLabels ?? {})) if (/env|stage|tier|environment/i.test(k)) out.envValues.push(v);
  out.envValues.push(call.server);
  return out;
}
