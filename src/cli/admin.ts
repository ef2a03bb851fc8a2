import type { Command, Io } from './args.ts';
import { print } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { createAccountService } from '../identity/accounts.service.ts';
import { createArgon2Hasher } from '../identity/passwords.ts';
import { membersRepo } from '../identity/orgs.repo.ts';
import { isRole } from '../identity/roles.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { silentLogger } from '../lib/logger.ts';

/** Reads the password from standard input (first line): never from argv, where `ps` and shell history would show it. */
async function readPassword(io: Io): Promise<string> {
  let data = '';
  for await (const chunk of io.stdin) {
    data += chunk.toString();
    if (data.includes('\n') || data.length > 4096) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

export const adminCommand: Command = {
  name: 'admin',
  summary: 'Create a console account (the password is read from standard input)',
  usage: `Usage:
  flowlink admin create --email E [--name N] [--org default] [--role owner] [--json]
      reads the password from the first line of standard input, e.g.
      printf '%s\\n' "$PASSWORD" | flowlink admin create --email ops@example.com
Common: [--config FILE] [--data DIR]`,
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string' }, json: { type: 'boolean' }, email: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' } },
  async run({ values, positionals }, io) {
    const [sub] = positionals;
    if (sub !== 'create') throw new FlowLinkError('invalid_params', `unknown or missing subcommand "${sub ?? ''}"\n\n${adminCommand.usage}`);
    const email = values.email as string | undefined;
    if (!email) throw new FlowLinkError('invalid_params', `admin create needs --email\n\n${adminCommand.usage}`);
    const role = (values.role as string | undefined) ?? 'owner';
    if (!isRole(role)) throw new FlowLinkError('invalid_params', `--role "${role}" is not one of owner, admin, approver, auditor, viewer`);
    const password = await readPassword(io);
    if (!password) throw new FlowLinkError('invalid_params', 'no password on standard input');
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const accounts = createAccountService({ store, hasher: createArgon2Hasher(), mailer: { send: async () => {} }, logger: silentLogger, publicUrl: '' });
      const org = await createAgentService({ store }).ensureOrg((values.org as string | undefined) ?? DEFAULT_ORG);
      const user = await accounts.createUser({ email, password, name: (values.name as string | undefined) ?? '' });
      await membersRepo.add(store, org.id, user.id, role);
      if (values.json) print(io, JSON.stringify({ id: user.id, email: user.email, org: org.name, role }));
      else print(io, `Account ${user.email} created: ${role} of "${org.name}". Sign in at /api/v1/auth/sign-in (or the console).`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
