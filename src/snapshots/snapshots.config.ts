import { z } from 'zod';
import { ScheduleSchema } from '../compliance/schedule.ts';

/**
 * `snapshots:` in flowlink.yaml.
 *
 * snapshots:
 *   schedule: daily        # hourly | daily | weekly | "every 6h" | "M H * * DOW" (UTC)
 *   orgs: [default]        # org names captured on the schedule
 *   beforePolicyChange: true   # capture the default org before every policy change (default true)
 */
export const SnapshotsConfigSchema = z.strictObject({
  schedule: ScheduleSchema.optional(),
  orgs: z.array(z.string().min(1).max(200)).min(1).max(1000).default(['default']),
  beforePolicyChange: z.boolean().default(true),
});
export type SnapshotsConfig = z.output<typeof SnapshotsConfigSchema>;
