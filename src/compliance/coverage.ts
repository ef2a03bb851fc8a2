/**
 * Which configured servers a policy set covers for an org: a server is covered when the
 * org's default posture is deny, a denyServers selector matches its labels, or an enabled
 * deciding rule for the org names it (by a server glob other than "*", by its labels, or by
 * a "server__tool" glob). A rule that applies to every server does not count: it says
 * nothing about this one. Pure.
 */
import type { PolicyDocument } from '../policy/document.ts';
import { compileGlobs } from '../policy/glob.ts';
import type { ServerFacts } from './facts.types.ts';

function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] !== undefined && compileGlobs([v])(labels[k]!));
}

export function serverCoverage(doc: PolicyDocument, org: { id: string; name: string }, servers: readonly ServerFacts[]): { covered: string[]; uncovered: string[]; posture: 'allow' | 'deny' } {
  const p = doc.policies;
  const posture = p.defaults.orgs[org.name] ?? p.defaults.orgs[org.id] ?? p.defaults.posture;
  const rules = p.rules.filter((r) => r.enabled !== false && r.effect !== 'audit' && (!r.match.orgs || compileGlobs(r.match.orgs)(org.name) || compileGlobs(r.match.orgs)(org.id)));
  const covered: string[] = [];
  const uncovered: string[] = [];
  for (const s of servers) {
    const hit =
      posture === 'deny' ||
      p.defaults.denyServers.some((sel) => labelsMatch(sel, s.labels)) ||
      rules.some((r) => {
        const m = r.match;
        if (m.servers && m.servers.some((g) => g !== '*') && compileGlobs(m.servers)(s.name)) return true;
        if (m.serverLabels && labelsMatch(m.serverLabels, s.labels)) return true;
        const paired = (m.tools ?? []).filter((t) => t.includes('__')).map((t) => t.split('__')[0]!);
        return paired.some((g) => g !== '*' && compileGlobs([g])(s.name));
      });
    (hit ? covered : uncovered).push(s.name);
  }
  return { covered, uncovered, posture };
}
