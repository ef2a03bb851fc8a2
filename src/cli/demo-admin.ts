import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Store } from '../store/store.ts';
import { createAccountService } from '../identity/accounts.service.ts';
import { usersRepo } from '../identity/accounts.repo.ts';
import { membersRepo } from '../identity/orgs.repo.ts';
import { createArgon2Hasher } from '../identity/passwords.ts';
import { silentLogger } from '../lib/logger.ts';

export const DEMO_ADMIN_EMAIL = 'admin@flowlink.demo';
const PASSWORD_FILE = 'demo-admin-password';

/**
 * The demo's console sign-in: an owner of the default org with a random password kept in
 * the data folder (0600, like the demo agent token) and printed on each start. A password
 * that no longer matches (the file was removed, or the password changed in the console)
 * is replaced by a new one.
 */
export async function ensureDemoAdmin(store: Store, orgId: string, dataDir: string): Promise<{ email: string; password: string }> {
  const hasher = createArgon2Hasher();
  const file = resolve(dataDir, PASSWORD_FILE);
  let password = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  let user = await usersRepo.byEmail(store, DEMO_ADMIN_EMAIL);
  const valid = !!(user?.password_hash && password && (await hasher.verify(user.password_hash, password)));
  if (!valid) {
    password = randomBytes(18).toString('base64url');
    if (user) await usersRepo.setPassword(store, user.id, await hasher.hash(password));
    else {
      const accounts = createAccountService({ store, hasher, mailer: { send: async () => {} }, logger: silentLogger, publicUrl: '' });
      user = await accounts.createUser({ email: DEMO_ADMIN_EMAIL, password, name: 'Demo admin' });
    }
    writeFileSync(file, password + '\n', { mode: 0o600 });
  }
  if (!(await membersRepo.get(store, orgId, user!.id))) await membersRepo.add(store, orgId, user!.id, 'owner');
  return { email: DEMO_ADMIN_EMAIL, password };
}
