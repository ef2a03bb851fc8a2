import { z } from 'zod';
import { STANDARD_IDS } from './compliance.types.ts';
import { ScheduleSchema } from './schedule.ts';

/**
 * `compliance:` in flowlink.yaml: reports written to a folder on a schedule.
 *
 * compliance:
 *   schedule: weekly              # hourly | daily | weekly | "every 12h" | "M H * * DOW" (UTC)
 *   standards: [soc2, fstec]      # default: all
 *   formats: [html, pdf]          # html | pdf | json; default [html, json]
 *   lang: ru                      # ru | en; default en
 *   dir: ./reports                # relative to the config file
 *   orgs: [default]               # org names; default [default]
 */
export const ComplianceConfigSchema = z.strictObject({
  schedule: ScheduleSchema.optional(),
  standards: z.array(z.enum(STANDARD_IDS)).min(1).default([...STANDARD_IDS]),
  formats: z.array(z.enum(['html', 'pdf', 'json'])).min(1).default(['html', 'json']),
  lang: z.enum(['ru', 'en']).default('en'),
  dir: z.string().min(1).max(1000).default('./reports'),
  orgs: z.array(z.string().min(1).max(200)).min(1).max(1000).default(['default']),
});
export type ComplianceConfig = z.output<typeof ComplianceConfigSchema>;
