import type { SinkFilter } from '../siem.types.ts';

/** A credential: a value, or a function that fetches it at send time (so rotated secrets apply). */
export type Credential = string | (() => Promise<string>);
export const credential = (c: Credential): Promise<string> => (typeof c === 'string' ? Promise.resolve(c) : c());

export interface SinkBase {
  id: string;
  filter?: SinkFilter | undefined;
  batchSize?: number | undefined;
  timeoutMs?: number | undefined;
}

/** Adds `suffix` to a base URL unless it already ends with it. */
export function withPath(url: string, suffix: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith(suffix)) u.pathname = u.pathname.replace(/\/+$/, '') + suffix;
  return u.toString();
}
