/**
 * Manual runner: prints per-check conformance results as JSON.
 *
 *   node --import tsx test/conformance/run.ts                  # boots FlowLink, tests /mcp/everything
 *   node --import tsx test/conformance/run.ts http://host/mcp  # any other target (direct server, mcp-proxy)
 *   ERAS=2025-11-25 node --import tsx test/conformance/run.ts …  # restrict eras
 */
import { startFlowLink, servers } from '../helpers/flowlink.ts';
import { ERAS, runSuite, type Era } from './suite.ts';

const target = process.argv[2];
const eras = (process.env.ERAS?.split(',') as Era[] | undefined) ?? [...ERAS];
const fl = target ? undefined : await startFlowLink({ anonymous: { enabled: true }, servers: { everything: servers.everything } });
const url = target ?? `${fl!.url}/mcp/everything`;
const out: Record<string, unknown> = {};
try {
  for (const era of eras) {
    const r = await runSuite(url, era);
    out[era] = {
      passed: r.passed,
      failed: r.failed,
      checks: Object.fromEntries([...r.checks].map(([k, v]) => [k, v.status === 'SUCCESS' ? 'SUCCESS' : `${v.status}: ${v.errorMessage ?? ''}`])),
    };
  }
} finally {
  await fl?.stop();
}
console.log(JSON.stringify(out, null, 2));
