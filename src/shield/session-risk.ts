/**
 * Extra risk carried by an agent session after a tool result tried to inject
 * instructions: later calls in that session score higher, so a dangerous follow-up
 * needs a human. Kept in memory for a bounded time; keyed by session, or by agent for
 * stateless requests.
 */
export function createSessionRisk(opts: { ttlMs?: number; max?: number; clock?: () => number } = {}) {
  const ttl = opts.ttlMs ?? 60 * 60_000;
  const max = opts.max ?? 10_000;
  const now = opts.clock ?? Date.now;
  const risks = new Map<string, { risk: number; until: number }>();
  return {
    get(key: string): number {
      const r = risks.get(key);
      if (!r) return 0;
      if (r.until < now()) {
        risks.delete(key);
        return 0;
      }
      return r.risk;
    },
    raise(key: string, by: number): number {
      const risk = Math.min(100, this.get(key) + by);
      risks.delete(key);
      risks.set(key, { risk, until: now() + ttl });
      // Oldest entries go first when the map is full (insertion order).
      while (risks.size > max) risks.delete(risks.keys().next().value!);
      return risk;
    },
  };
}

export type SessionRisk = ReturnType<typeof createSessionRisk>;
