/**
 * The real facts providers, for the modules that hold those facts: retention (the audit
 * module's per-org setting) and SIEM delivery (the SIEM module's per-org sink status).
 */
import type { Queryable } from '../store/store.ts';
import { retentionRepo } from '../audit/retention.repo.ts';
import { sinkStatuses, type SinkOrgStatus } from '../siem/status.ts';
import type { SiemSink } from '../siem/siem.types.ts';
import type { FactsProviders, SiemFacts } from './facts.types.ts';

export function retentionProvider(q: Queryable): FactsProviders['retention'] {
  return async (orgId) => {
    const r = await retentionRepo.get(q, orgId);
    return r ? { configured: true, auditDays: r.days, historyDays: r.days, source: 'audit retention' } : { configured: false, source: 'audit retention' };
  };
}

export function siemFacts(statuses: readonly SinkOrgStatus[]): SiemFacts {
  return {
    configured: statuses.length > 0,
    sinks: statuses.map((s) => ({ id: s.sink, lag: s.lag_events, lastError: s.state === 'failing' ? (s.last_error ?? 'failing') : null, deliveredAt: s.last_success_at })),
    source: 'siem',
  };
}

/** From the running SIEM module (its `forOrg`). */
export function siemProvider(forOrg: (orgId: string) => Promise<SinkOrgStatus[]>): FactsProviders['siem'] {
  return async (orgId) => siemFacts(await forOrg(orgId));
}

/** Outside a running gateway (the CLI): the configured sinks' stored delivery state; nothing is sent. */
export function siemFromConfig(q: Queryable, sinks: readonly { name: string; type: string }[]): FactsProviders['siem'] {
  const described = sinks.map((s) => ({ id: s.name, type: s.type }) as unknown as SiemSink);
  return async (orgId) => siemFacts(await sinkStatuses(q, described, { orgId }));
}
