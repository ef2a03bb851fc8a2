/** The scheduled_runs table (compliance module): who runs a scheduled job's slot. */
import type { Queryable } from '../store/store.ts';

export const scheduleRepo = {
  /** True for the one caller that claims (job, slot) first. */
  async claim(q: Queryable, job: string, slot: Date, instance: string): Promise<boolean> {
    const r = await q.query<{ job: string }>('INSERT INTO scheduled_runs (job, slot, instance) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING job', [job, slot, instance]);
    return r.length === 1;
  },
};
