import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { FlowLinkError } from '../lib/errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock on the embedded data folder: PGlite has none of its own, and
 * two processes writing one data folder corrupt it. A lock left by a dead process is
 * taken over. Returns the release function.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new FlowLinkError('store_locked', `the data folder is in use by another FlowLink process (pid ${holder}); lock file: ${path}`);
      }
      if (holder === process.pid) throw new FlowLinkError('store_locked', `the data folder is already open in this process; lock file: ${path}`);
      unlinkSync(path); // stale: its process is gone
    }
  }
  throw new FlowLinkError('store_locked', `could not take the lock ${path}`);
}
