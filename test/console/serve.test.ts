import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerConsole } from '../../src/http/console.routes.ts';
import { ROOT } from '../helpers/flowlink.ts';

// The serving rules, against a small fake build (no vite needed) and against no build at all.
const dist = mkdtempSync(join(tmpdir(), 'fl-console-dist-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/console/assets/index-abc123.js"></script>');
writeFileSync(join(dist, 'assets/index-abc123.js'), 'console.log(1)');
writeFileSync(join(dist, 'assets/index-abc123.css'), 'body{}');
writeFileSync(join(dist, 'theme.js'), '/* theme */');
writeFileSync(join(tmpdir(), 'secret-outside.txt'), 'outside');

let app: FastifyInstance;
let bare: FastifyInstance;
before(async () => {
  app = Fastify();
  await registerConsole(app, { dir: dist });
  bare = Fastify();
  await registerConsole(bare, { dir: join(dist, 'not-built') });
});
after(async () => {
  await app.close();
  await bare.close();
  rmSync(dist, { recursive: true, force: true });
});

test('client routes get index.html, never cached, with a CSP that allows only own scripts', async () => {
  for (const url of ['/console/', '/console/approvals', '/console/approvals/apr_123', '/console/history?tool=x']) {
    const r = await app.inject(url);
    assert.equal(r.statusCode, 200, url);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /script-src 'self';/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.body, /id="root"/);
  }
});

test('hashed assets are immutable with the right type; a missing asset is a 404, not index.html', async () => {
  const js = await app.inject('/console/assets/index-abc123.js');
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const css = await app.inject('/console/assets/index-abc123.css');
  assert.match(String(css.headers['content-type']), /^text\/css/);
  const missing = await app.inject('/console/assets/index-gone.js');
  assert.equal(missing.statusCode, 404);
  assert.doesNotMatch(missing.body, /root/);
  const theme = await app.inject('/console/theme.js');
  assert.equal(theme.statusCode, 200);
  assert.equal(theme.headers['cache-control'], 'no-cache');
});

test('nothing outside the build folder is served', async () => {
  for (const url of ['/console/../secret-outside.txt', '/console/%2e%2e/secret-outside.txt', '/console/assets/..%2f..%2fsecret-outside.txt', '/console/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
    const r = await app.inject(url);
    assert.notEqual(r.body, 'outside', url);
    assert.doesNotMatch(r.body, /root:x:0/, url);
  }
  assert.equal((await app.inject('/console/%E0%A4%A')).statusCode, 400);
});

test('/ and the mailed links redirect into the console', async () => {
  assert.equal((await app.inject('/')).headers.location, '/console/');
  assert.equal((await app.inject('/console')).headers.location, '/console/');
  assert.equal((await app.inject('/reset-password')).headers.location, '/console/reset');
  assert.equal((await app.inject('/invite')).headers.location, '/console/invite');
});

test('without a build, a 503 page says how to build it', async () => {
  const r = await bare.inject('/console/approvals');
  assert.equal(r.statusCode, 503);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.match(r.body, /npm run build:console/);
});

// Translations: every dictionary has the same keys in both languages, and every literal key the code uses exists.
const SRC = resolve(ROOT, 'console/src');
function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) files(join(dir, e.name), out);
    else if (/\.tsx?$/.test(e.name)) out.push(join(dir, e.name));
  }
  return out;
}

test('every translation file has the same keys in English and Russian, none empty', async () => {
  const dir = join(SRC, 'i18n');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const dict = ((await import(join(dir, f))) as { default: { en: Record<string, string>; ru: Record<string, string> } }).default;
    assert.deepEqual(Object.keys(dict.ru).sort(), Object.keys(dict.en).sort(), `${f}: ru and en keys differ`);
    for (const lang of ['en', 'ru'] as const) for (const [k, v] of Object.entries(dict[lang])) assert.ok(v.trim(), `${f}: ${lang}.${k} is empty`);
  }
});

test('every literal t("ns.key") and nav key in the console exists in the English dictionary', async () => {
  const dir = join(SRC, 'i18n');
  const known = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const dict = ((await import(join(dir, f))) as { default: { en: Record<string, string> } }).default;
    for (const k of Object.keys(dict.en)) known.add(`${f.replace(/\.ts$/, '')}.${k}`);
  }
  const missing: string[] = [];
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-z][\w-]*\.[\w-]+)'/g)) if (!known.has(m[1]!)) missing.push(`${file.slice(SRC.length + 1)}: ${m[1]}`);
    for (const m of text.matchAll(/\bnav: '([a-z][\w-]*\.[\w-]+)'/g)) if (!known.has(m[1]!)) missing.push(`${file.slice(SRC.length + 1)}: ${m[1]}`);
  }
  assert.deepEqual(missing, []);
});
