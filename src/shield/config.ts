/**
 * The optional `shield:` section of flowlink.yaml. Every key is optional; the
 * defaults are what `createShield()` uses without options.
 *
 * shield:
 *   enabled: true                      # false: the pipeline stage skips Shield
 *   thresholds: { approve: 40, block: 80 }   # risk 0–100; approve <= block
 *   timeoutMs: 50                      # per-call analysis budget; exceeding it fails closed (approve)
 *   rulePacks: [./rules/acme.yaml]     # extra rule pack files (same format as src/shield/rules/*.yaml),
 *                                      # relative to the config file; a rule with an existing id replaces it
 *   disable: [git.reset-hard]          # rule ids to switch off
 *   overrides:                         # per rule id
 *     sql.drop-table: { severity: critical }
 *     docker.prune-volumes: { disabled: true }
 *   environments:                      # words that mark contexts, namespaces, hosts, labels as prod / non-prod
 *     prod: [prod, production, live]
 *     nonprod: [dev, staging, test]
 *   sessionRiskOnInjection: 40         # risk added to later calls of a session whose results carried an injection
 *   extractors:                        # tell Shield where a tool keeps its command, SQL, URL or path
 *     - server: ops                    # glob, optional
 *       tool: run_*                    # glob
 *       shell: [script]                # argument paths (dotted) holding shell code
 *       sql: [body.query]
 *       url: [target]
 *       path: [file]
 *       code: { lang: python, keys: [source] }
 */
import { z } from 'zod';

const Sev = z.enum(['info', 'low', 'medium', 'high', 'critical']);
const keyList = z.array(z.string().min(1).max(200)).max(50);

export const ExtractorSchema = z
  .object({
    server: z.string().max(200).optional(),
    tool: z.string().min(1).max(200),
    shell: keyList.optional(),
    sql: keyList.optional(),
    url: keyList.optional(),
    path: keyList.optional(),
    code: z.object({ lang: z.enum(['python', 'node', 'perl', 'ruby', 'php']), keys: keyList }).strict().optional(),
  })
  .strict();
export type Extractor = z.infer<typeof ExtractorSchema>;

export const ShieldConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    thresholds: z
      .object({ approve: z.number().min(0).max(100), block: z.number().min(0).max(101) })
      .strict()
      .refine((t) => t.approve <= t.block, { message: 'approve must not exceed block' })
      .optional(),
    timeoutMs: z.number().int().min(1).max(10_000).optional(),
    rulePacks: z.array(z.string().min(1).max(1000)).max(100).optional(),
    disable: z.array(z.string().max(200)).max(1000).optional(),
    overrides: z.record(z.string().max(200), z.object({ severity: Sev.optional(), disabled: z.boolean().optional() }).strict()).optional(),
    environments: z.object({ prod: z.array(z.string().max(50)).max(100), nonprod: z.array(z.string().max(50)).max(100) }).strict().optional(),
    sessionRiskOnInjection: z.number().min(0).max(100).optional(),
    extractors: z.array(ExtractorSchema).max(200).optional(),
  })
  .strict();
export type ShieldConfig = z.infer<typeof ShieldConfigSchema>;
