import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AuditCatalog, checkEventData, SEVERITY_RANK } from '../../src/audit/catalog.ts';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { openStore } from '../../src/store/open.ts';
import { ROOT } from '../helpers/flowlink.ts';

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The argument text of every `.append({ ... })` call, brace-balanced (strings are short and brace-free here). */
function appendCalls(src: string): string[] {
  const out: string[] = [];
  const re = /\.append\(\s*\{/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < src.length; i++) {
      if (src[i] === '{') depth++;
      else if (src[i] === '}' && --depth === 0) break;
    }
    out.push(src.slice(m.index, i + 1));
  }
  return out;
}

test('event codes are unique and well formed, names are dotted', () => {
  const codes = Object.values(AuditCatalog).map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length, `duplicate codes: ${codes.filter((c, i) => codes.indexOf(c) !== i).join(', ')}`);
  for (const [kind, e] of Object.entries(AuditCatalog)) {
    assert.match(kind, /^[a-z]+(\.[a-z_]+)+$/, `${kind} is a dotted lower-case name`);
    assert.match(e.code, /^FL-[A-Z]+-\d{4}$/, `${kind} code ${e.code}`);
    assert.ok(e.severity in SEVERITY_RANK, `${kind} severity`);
    assert.ok(e.description.length > 10, `${kind} has a description`);
  }
});

test('codes of the first released kinds never change (they are a contract)', () => {
  const contract: Record<string, string> = {
    'call.completed': 'FL-CALL-0001',
    'call.denied': 'FL-CALL-0002',
    'agent.created': 'FL-AGENT-0001',
    'agent.revoked': 'FL-AGENT-0002',
    'tool.pinned': 'FL-TOOL-0001',
    'tool.flagged': 'FL-TOOL-0002',
    'tool.changed': 'FL-TOOL-0003',
    'tool.approved': 'FL-TOOL-0004',
    'result.injection': 'FL-RESULT-0001',
    'gateway.started': 'FL-SYS-0001',
    'gateway.stopped': 'FL-SYS-0002',
    'audit.key.rotated': 'FL-AUDIT-0001',
  };
  for (const [kind, code] of Object.entries(contract)) assert.equal((AuditCatalog as Record<string, { code: string }>)[kind]?.code, code, kind);
});

test('every kind appended anywhere in src/ is in the catalog', () => {
  const seen = new Set<string>();
  let sites = 0;
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const src = readFileSync(file, 'utf8');
    for (const call of appendCalls(src)) {
      const kindExpr = /\bkind:\s*([^\n]*?)(?:,\s*actor\b|,\s*$|$)/m.exec(call)?.[1];
      if (kindExpr === undefined) continue; // not an audit append
      const literals = [...kindExpr.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)].map((m) => m[1]!);
      // Kinds are written as literals at the call site so this scan (and a reader) can see them.
      assert.ok(literals.length > 0, `${relative(ROOT, file)}: the kind of ${call.slice(0, 80)} is not a literal`);
      for (const l of literals) {
        sites++;
        seen.add(l);
        assert.ok(l in AuditCatalog, `${relative(ROOT, file)} appends "${l}", which is not in src/audit/catalog.ts`);
      }
    }
  }
  assert.ok(sites >= 4, `found ${sites} append sites; the scan is broken`);
  for (const k of ['call.completed', 'call.denied', 'agent.created', 'gateway.started', 'audit.purge.executed', 'approval.requested']) assert.ok(seen.has(k), `scan found ${k}`);
});

/** Every way an audit event leaves the source: an object literal passed to append, with `kind:` and a literal. */
test('every audit append passes an object literal whose kind is a literal, or a helper parameter typed as a literal union or AuditKind', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file);
    if (rel === join('src', 'audit', 'audit.writer.ts')) continue; // defines append
    const src = readFileSync(file, 'utf8');
    // An append on something named like the audit writer whose argument is not an object literal hides its kind.
    for (const m of src.matchAll(/\b(\w*(?:audit|writer)\w*)\)?\.append\(\s*([^\s{])/gi)) problems.push(`${rel}: ${m[0]}… passes a variable, not an object literal`);
    for (const call of appendCalls(src)) {
      if (!/\borgId\b/.test(call)) continue; // not an audit append
      const kindExpr = /\bkind:\s*([^\n]*?)(?:,\s*actor\b|,\s*$|$)/m.exec(call)?.[1] ?? '';
      if (/'[a-z_]+(?:\.[a-z_]+)+'/.test(kindExpr)) continue; // literals at the call site: checked above
      // A kind passed through a helper: the helper's parameter must be typed, either as a union
      // of literals (each checked against the catalog here) or as the catalog's own key type.
      const typed = [...src.matchAll(/\bkind\??:\s*((?:'[a-z_]+(?:\.[a-z_]+)+'\s*\|?\s*)+|AuditKind\b|AuditEventInput\['kind'\])/g)].map((m) => m[1]!);
      if (!typed.length) problems.push(`${rel}: ${call.slice(0, 60)}… passes a kind whose type is not a literal union or AuditKind`);
      for (const t of typed) for (const l of t.startsWith('Audit') ? [] : (t.match(/'[^']+'/g) ?? [])) if (!(l.slice(1, -1) in AuditCatalog)) problems.push(`${rel}: kind ${l} is not in the catalog`);
    }
  }
  assert.deepEqual(problems, []);
});

/** Kinds in the catalog that nothing in src/ emits yet: each must be named here on purpose. */
const RESERVED = new Set<string>(['audit.verify.failed']);

test('every catalog kind is emitted somewhere in src/ or listed as reserved', () => {
  const all = sourceFiles(join(ROOT, 'src')).filter((f) => !f.endsWith(join('audit', 'catalog.ts'))).map((f) => readFileSync(f, 'utf8')).join('\n');
  const silent = Object.keys(AuditCatalog).filter((k) => !all.includes(`'${k}'`) && !RESERVED.has(k));
  assert.deepEqual(silent, [], 'kinds in the catalog that no source file mentions: emit them or add them to RESERVED');
});

test('data is checked against the catalog schema', () => {
  assert.equal(checkEventData('gateway.stopped', { signal: 'SIGINT' }).ok, true);
  const bad = checkEventData('gateway.stopped', { signal: 'SIGINT', password: 'hunter2' });
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && !bad.message.includes('hunter2'), 'the message names paths, never values');
  assert.equal(checkEventData('no.such_kind', {}).ok, false);
  assert.equal(checkEventData('call.completed', { call_id: 'c', server: 's', tool: 't', arguments_sha256: 'x', status: 'ok', error: null, duration_ms: 1 }).ok, false);
});

test('the writer refuses unknown kinds and malformed data, and stays healthy', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    await store.query(`INSERT INTO orgs (id, name) VALUES ('o1', 'o1')`);
    const writer = createAuditWriter({ store });
    await assert.rejects(writer.append({ orgId: 'o1', kind: 'nope.nope' as never, actor: { type: 'system', id: null }, outcome: 'success', data: {} }), /not in the catalog/);
    await assert.rejects(writer.append({ orgId: 'o1', kind: 'gateway.stopped', actor: { type: 'system', id: null }, outcome: 'success', data: { signal: 42 } }), /does not match its catalog schema/);
    assert.equal(writer.healthy, true);
    assert.equal(await writer.append({ orgId: 'o1', kind: 'gateway.stopped', actor: { type: 'system', id: null }, outcome: 'success', data: { signal: 'SIGTERM' } }), 1);
    await writer.close();
  } finally {
    await store.close();
  }
});
