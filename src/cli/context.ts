import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import type { Io } from './args.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_CONFIG = resolve(REPO_ROOT, 'demo/flowlink.demo.yaml');

/**
 * Finds the configuration: --config, else ./flowlink.yaml, else (when allowed) the demo
 * configuration, whose relative paths resolve against the repository root.
 */
export function resolveConfig(io: Io, flag: string | undefined, allowDemo: boolean): LoadedConfig & { demo: boolean } {
  if (flag) return { ...loadConfig(flag, io.cwd), demo: false };
  if (existsSync(resolve(io.cwd, 'flowlink.yaml')) || !allowDemo) return { ...loadConfig(undefined, io.cwd), demo: false };
  const loaded = loadConfig(DEMO_CONFIG);
  return { ...loaded, baseDir: REPO_ROOT, demo: true };
}

/** Opens the store named by the environment, the flag or the config (in that order). */
export async function openConfiguredStore(io: Io, loaded: LoadedConfig, dataFlag?: string): Promise<Store> {
  const url = io.env.DATABASE_URL || loaded.config.store.url;
  const data = dataFlag ? resolve(io.cwd, dataFlag) : resolve(loaded.baseDir, loaded.config.store.data);
  return openStore({ url, data });
}
