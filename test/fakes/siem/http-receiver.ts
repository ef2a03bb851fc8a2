import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every fake SIEM receiver records per event, whatever the wire format. */
export interface ReceivedEvent {
  id: string;
  seq: number;
  kind: string;
  org_id: string;
  raw: unknown;
}

/**
 * The shared part of the HTTP fakes: a server on 127.0.0.1 whose handler sees the whole
 * body, with `setDown` (the fake answers `downAnswer`) and `stop`/`restart` (connections
 * are refused in between, on the same port).
 */
export async function startHttpReceiver(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void, downAnswer: (res: ServerResponse) => void) {
  let down = false;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      requests++;
      if (down) return downAnswer(res);
      handle(req, body, res);
    });
  });
  let port = 0;
  let listening = false;
  const listen = () =>
    new Promise<void>((r) =>
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        listening = true;
        r();
      }),
    );
  const stop = () =>
    new Promise<void>((r) => {
      if (!listening) return r();
      listening = false;
      server.closeAllConnections();
      server.close(() => r());
    });
  await listen();
  return {
    base: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    setDown(v: boolean) {
      down = v;
    },
    stop,
    restart: listen,
    close: stop,
  };
}

export const json = (res: ServerResponse, status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
