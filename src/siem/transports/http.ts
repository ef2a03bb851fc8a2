import { SinkError } from '../siem.types.ts';

/** Why a fetch failed, without the URL (it may carry credentials): the cause's code, such as ECONNREFUSED. */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const code = e?.cause?.code;
  return code ? `connection failed (${code})` : 'connection failed';
}

/** Strips credentials and query from a URL for status pages: `https://host:port/path`. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** One POST; resolves with the status and (bounded) body text; network failures become retryable SinkErrors. */
export async function post(sink: string, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    throw new SinkError(`${sink}: ${networkReason(err)}`);
  }
  const text = (await res.text().catch(() => '')).slice(0, 4096);
  return { status: res.status, text };
}

/** The usual reading of an HTTP answer: 2xx delivered; 5xx, 408 and 429 worth retrying soon; other 4xx need a fix. */
export function expectOk(sink: string, r: { status: number }): void {
  if (r.status >= 200 && r.status < 300) return;
  const retryable = r.status >= 500 || r.status === 408 || r.status === 429;
  throw new SinkError(`${sink} answered HTTP ${r.status}`, retryable);
}
