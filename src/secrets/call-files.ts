import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'flowlink-secrets-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Credential files for `{{secretfile:NAME}}`: one private folder per call (mode 0700,
 * files 0600, names unguessable: every level is made by mkdtemp), inside one folder per
 * process, `<tmp>/flowlink-secrets-<pid>-XXXXXX`. A call's folder is removed when the call
 * ends; the process folder when FlowLink stops; and folders left by a process that died
 * (a crash, a kill -9) are removed by the next FlowLink that starts on the host.
 */
export function createCallFiles(opts: { root?: string; isAlive?: (pid: number) => boolean } = {}) {
  const root = opts.root ?? tmpdir();
  const isAlive = opts.isAlive ?? alive;
  let own: Promise<string> | undefined;

  return {
    /** Writes one file per entry in a new private folder; returns the folder and each file's path. */
    async write(entries: Iterable<[name: string, value: string]>): Promise<{ dir: string; paths: Map<string, string> }> {
      own ??= mkdtemp(join(root, `${PREFIX}${process.pid}-`));
      let base: string;
      try {
        base = await own;
      } catch (err) {
        own = undefined;
        throw err;
      }
      const dir = await mkdtemp(join(base, 'call-'));
      const paths = new Map<string, string>();
      try {
        for (const [name, value] of entries) {
          if (paths.has(name)) continue;
          const path = join(dir, name);
          await writeFile(path, value, { mode: 0o600, flag: 'wx' });
          paths.set(name, path);
        }
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      return { dir, paths };
    },

    async remove(dir: string): Promise<void> {
      await rm(dir, { recursive: true, force: true });
    },

    /** Removes folders of processes that are gone (only folders this user owns). Returns how many. */
    async sweep(): Promise<number> {
      let removed = 0;
      const uid = process.getuid?.();
      for (const name of await readdir(root).catch(() => [] as string[])) {
        const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
        if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
        const path = join(root, name);
        const st = await lstat(path).catch(() => undefined);
        if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
        await rm(path, { recursive: true, force: true });
        removed++;
      }
      return removed;
    },

    /** Removes this process's folder (at shutdown). */
    async dispose(): Promise<void> {
      const p = own;
      own = undefined;
      const dir = await p?.catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export type CallFiles = ReturnType<typeof createCallFiles>;
