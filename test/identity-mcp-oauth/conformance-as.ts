/**
 * Runs the MCP conformance suite's authorization-server scenarios
 * (`conformance authorization`, @modelcontextprotocol/conformance) against FlowLink's own
 * authorization server, playing the person at the consent page when the suite prints the
 * authorization URL. Results come from the suite's checks.json files.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebUser } from './harness.ts';

export const CONFORMANCE_PKG = '@modelcontextprotocol/conformance@0.2.0-alpha.12';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface AsCheck {
  scenario: string;
  id: string;
  status: string;
  errorMessage?: string;
}

export async function runAuthorizationSuite(p: { issuer: string; clientId: string; port: number; resource: string; user: WebUser; timeoutMs?: number }): Promise<{ checks: AsCheck[]; stdout: string; stderr: string; code: number | null }> {
  const out = await mkdtemp(join(tmpdir(), 'flowlink-as-conformance-'));
  try {
    const args = ['-y', '-p', 'node@22', '-p', CONFORMANCE_PKG, 'conformance', 'authorization', '--url', p.issuer, '--client-id', p.clientId, '--port', String(p.port), '--resource', p.resource, '-o', out];
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let driven: Promise<void> | undefined;
    const authPrefix = `${p.issuer}/oauth/authorize?`;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith(authPrefix));
      if (line && !driven) {
        // The person signs in (already), approves, and the browser follows the redirect to the suite's callback.
        driven = (async () => {
          const back = await p.user.approve(line.trim());
          // The suite starts its callback server as it prints the URL; a refused connection is retried briefly.
          for (let i = 0; ; i++) {
            try {
              await fetch(back);
              return;
            } catch (err) {
              if (i >= 50) throw err;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        })();
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), p.timeoutMs ?? 180_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (driven) await driven;
    const checks: AsCheck[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else if (e.name === 'checks.json') {
          const scenario = /^authorization-server-(.+)-\d{4}-\d{2}-\d{2}T/.exec(dir.split('/').pop()!)?.[1] ?? dir;
          for (const c of JSON.parse(await readFile(join(dir, e.name), 'utf8')) as AsCheck[]) checks.push({ scenario, id: c.id, status: c.status, ...(c.errorMessage ? { errorMessage: c.errorMessage } : {}) });
        }
      }
    };
    await walk(out).catch(() => undefined);
    return { checks, stdout, stderr, code };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
