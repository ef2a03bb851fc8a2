import type { JsonRpcId, JsonRpcMessage } from './jsonrpc.ts';
import type { SessionOutput } from './session.ts';
import { ResponseChannel, SseWriter } from './sse.ts';

const REPLAY_EVENTS = 200;

/**
 * A session's outgoing side over Streamable HTTP: messages related to a request go on
 * that POST's response; the rest go on the standalone GET stream, numbered so that a
 * reconnecting client can resume with Last-Event-ID.
 */
export class HttpSessionOutput implements SessionOutput {
  readonly channels = new Map<JsonRpcId, ResponseChannel>();
  standalone: SseWriter | undefined;
  private seq = 0;
  private replay: { id: number; m: JsonRpcMessage }[] = [];

  sendRelated(requestId: JsonRpcId, m: JsonRpcMessage): boolean {
    const c = this.channels.get(requestId);
    if (!c?.open) return false;
    c.push(m);
    return true;
  }

  sendUnrelated(m: JsonRpcMessage): void {
    const id = ++this.seq;
    this.replay.push({ id, m });
    if (this.replay.length > REPLAY_EVENTS) this.replay.shift();
    if (this.standalone && !this.standalone.closed) this.standalone.send(m, String(id));
  }

  /** Attaches a GET stream, first replaying what the client missed after lastEventId. */
  attach(w: SseWriter, lastEventId: string | undefined): void {
    this.standalone = w;
    const after = lastEventId !== undefined ? Number(lastEventId) : this.seq;
    if (Number.isFinite(after)) for (const e of this.replay) if (e.id > after) w.send(e.m, String(e.id));
  }

  get hasStandalone(): boolean {
    return !!this.standalone && !this.standalone.closed;
  }

  close(): void {
    this.standalone?.end();
    for (const c of this.channels.values()) c.finish({ jsonrpc: '2.0', id: null, error: { code: -32002, message: 'session closed' } });
    this.channels.clear();
  }
}
