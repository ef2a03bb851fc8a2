/**
 * The rule pack format (YAML under src/shield/rules/ or user files). Packs are data:
 * they are validated here, then compiled by rules.loader.ts into matchers.
 */
import { z } from 'zod';

const Sev = z.enum(['info', 'low', 'medium', 'high', 'critical']);
const strList = z.array(z.string().max(500)).max(500);

/** Conditions on one command (a shell command, a nested one, or one synthesized from a structured tool). All given keys must hold. */
export interface CmdCondInput {
  program?: string[];
  sub?: string[];
  sub_any?: string[];
  flags_any?: string[];
  flags_all?: string[];
  flags_none?: string[];
  option?: Record<string, string>;
  arg_any?: string;
  text_regex?: string;
  nargs_max?: number;
  nargs_min?: number;
  path_args?: string[];
  reads?: string[];
  writes?: string[];
  redirect_any?: string;
  upstream_any?: string[];
  upstream_reads?: string[];
  url_class?: string[];
  origin?: string[];
  elevated?: boolean;
  env?: 'prod' | 'nonprod' | 'unknown';
  any?: CmdCondInput[];
  unless?: CmdCondInput;
}

export const CmdCondSchema: z.ZodType<CmdCondInput> = z.lazy(() =>
  z
    .object({
      program: strList.optional(),
      sub: strList.optional(),
      sub_any: strList.optional(),
      flags_any: strList.optional(),
      flags_all: strList.optional(),
      flags_none: strList.optional(),
      option: z.record(z.string(), z.string()).optional(),
      arg_any: z.string().optional(),
      text_regex: z.string().optional(),
      nargs_max: z.number().int().optional(),
      nargs_min: z.number().int().optional(),
      path_args: strList.optional(),
      reads: strList.optional(),
      writes: strList.optional(),
      redirect_any: z.string().optional(),
      upstream_any: strList.optional(),
      upstream_reads: strList.optional(),
      url_class: strList.optional(),
      origin: strList.optional(),
      elevated: z.boolean().optional(),
      env: z.enum(['prod', 'nonprod', 'unknown']).optional(),
      any: z.array(CmdCondSchema).optional(),
      unless: CmdCondSchema.optional(),
    })
    .strict(),
);

export const SqlCondSchema = z
  .object({
    stmt: strList.optional(),
    object: strList.optional(),
    no_where: z.boolean().optional(),
    function_any: strList.optional(),
    role_option: strList.optional(),
    privilege_any: strList.optional(),
    grantee_any: strList.optional(),
    role_any: strList.optional(),
    language_any: strList.optional(),
    env: z.enum(['prod', 'nonprod', 'unknown']).optional(),
  })
  .strict();
export type SqlCondInput = z.infer<typeof SqlCondSchema>;

export const ToolCondSchema = z
  .object({
    name_regex: z.string(),
    server_regex: z.string().optional(),
    env: z.enum(['prod', 'nonprod', 'unknown']).optional(),
  })
  .strict();
export type ToolCondInput = z.infer<typeof ToolCondSchema>;

const ExampleSchema = z.union([
  z.string().max(4000),
  z.object({ server: z.string().optional(), tool: z.string(), arguments: z.record(z.string(), z.unknown()), serverLabels: z.record(z.string(), z.string()).optional() }),
]);
export type RuleExample = z.infer<typeof ExampleSchema>;

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
    severity: Sev,
    explanation: z.string().min(5).max(1000),
    env: z.object({ prod: Sev.optional(), nonprod: Sev.optional() }).strict().optional(),
    match: CmdCondSchema.optional(),
    sql: SqlCondSchema.optional(),
    tool: ToolCondSchema.optional(),
    examples: z.object({ match: z.array(ExampleSchema).default([]), no_match: z.array(ExampleSchema).default([]) }).strict(),
  })
  .strict()
  .refine((r) => [r.match, r.sql, r.tool].filter(Boolean).length === 1, { message: 'a rule needs exactly one of match, sql, tool' });
export type RuleInput = z.infer<typeof RuleSchema>;

/** How to read a program's arguments: which options take a value, aliases for positionals, which positional is the destination. */
export const ProgramSpecSchema = z
  .object({
    value_options: strList.optional(),
    /** Options whose value names a file that is read (e.g. curl -d @file). */
    read_options: strList.optional(),
    /** Options whose value names the environment or scope (context, namespace, profile, project). */
    env_options: strList.optional(),
    aliases: z.record(z.string(), z.string()).optional(),
    /** The last positional is written, the others are read (cp, mv, scp). */
    dest_last: z.boolean().optional(),
    /** All positionals are written (tee). */
    writes_all: z.boolean().optional(),
    /** Positionals end at the first option (find). */
    leading_positionals: z.boolean().optional(),
    /** `kind/name` positionals are split in two (kubectl). */
    split_slash: z.boolean().optional(),
    /** Positionals are URLs (curl, wget). */
    url_args: z.boolean().optional(),
    /** Sends data over the network. */
    network: z.boolean().optional(),
  })
  .strict();
export type ProgramSpec = z.infer<typeof ProgramSpecSchema>;

export const PackSchema = z
  .object({
    pack: z.string(),
    description: z.string().optional(),
    programs: z.record(z.string(), ProgramSpecSchema).optional(),
    /** Regexes over normalized paths (`~` for home folders). */
    path_classes: z.record(z.string(), z.array(z.string())).optional(),
    rules: z.array(RuleSchema).default([]),
  })
  .strict();
export type PackInput = z.infer<typeof PackSchema>;
