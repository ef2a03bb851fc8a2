import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:console` writes the console (console/vite.config.ts). */
export const CONSOLE_DIST = resolve(fileURLToPath(import.meta.url), '../../../console/dist');
export const CONSOLE_BASE = '/console/';

/**
 * The console's page: scripts and styles only from FlowLink itself, no framing. Styles
 * allow inline attributes (React sets some), scripts do not.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function pageHeaders(reply: FastifyReply) {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
}

function notBuilt(dir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FlowLink console not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{background:#eee;padding:.1rem .3rem;border-radius:.2rem}</style></head>
<body><h1>The console is not built</h1>
<p>FlowLink is running (the MCP endpoint and the API at <code>/api</code> work), but the web console's files are missing from <code>${dir.replace(/[<>&"]/g, '')}</code>.</p>
<p>Build it once with <code>npm run build:console</code> (<code>npm ci</code> does it too), then reload this page.</p></body></html>`;
}

/**
 * Serves the built console on FlowLink's own port, under /console/:
 * - /console/assets/* are content-hashed: cached for a year, immutable; a missing one is a 404;
 * - any other path under /console/ is a client route: index.html, never cached, with a CSP;
 * - / and the mailed links (/reset-password, /invite) redirect into the console (the
 *   browser keeps their #fragment, which carries the token);
 * - without a build, a 503 page says how to build it (the API keeps working).
 */
export async function registerConsole(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? CONSOLE_DIST;
  // Encapsulated: the sendFile decorator stays inside this plugin.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: dir, serve: false, decorateReply: true });
    routes(scope, dir);
  });
}

function routes(app: FastifyInstance, dir: string) {
  const assets = resolve(dir, 'assets');

  const built = () => existsSync(resolve(dir, 'index.html'));
  const sendIndex = (reply: FastifyReply) => {
    pageHeaders(reply);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', dir, { cacheControl: false });
  };

  app.get('/', async (_req, reply) => reply.redirect(CONSOLE_BASE, 302));
  app.get('/console', async (_req, reply) => reply.redirect(CONSOLE_BASE, 301));
  app.get('/reset-password', async (_req, reply) => reply.redirect(`${CONSOLE_BASE}reset`, 302));
  app.get('/invite', async (_req, reply) => reply.redirect(`${CONSOLE_BASE}invite`, 302));

  app.get('/console/*', async (req, reply) => {
    if (!built()) {
      pageHeaders(reply);
      return reply.status(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(notBuilt(dir));
    }
    const rest = (req.params as { '*': string })['*'] ?? '';
    let path: string;
    try {
      path = decodeURIComponent(rest);
    } catch {
      return reply.status(400).type('text/plain; charset=utf-8').send('bad path encoding');
    }
    const file = resolve(dir, path);
    // Never outside the build folder (resolve() has already collapsed any "..").
    if (file !== dir && !file.startsWith(dir + sep)) return reply.status(404).type('text/plain; charset=utf-8').send('not found');
    if (file.startsWith(assets + sep)) {
      if (!isFile(file)) return reply.status(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('not found');
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      reply.header('x-content-type-options', 'nosniff');
      return reply.sendFile(path, dir, { cacheControl: false });
    }
    // Other real files (theme.js): revalidated each time; everything else is a client route.
    if (path && path !== 'index.html' && isFile(file)) {
      reply.header('cache-control', 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
      return reply.sendFile(path, dir, { cacheControl: false });
    }
    return sendIndex(reply);
  });
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
