import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Authenticated } from '../gateway/auth.ts';
import type { DecideInput, DecideOutcome } from '../pipeline/decide.ts';
import { FlowLinkError, isFlowLinkError } from '../lib/errors.ts';
import { toHookAction } from '../hooks/actions.ts';
import { answerFor, timedOut, type DecideAnswer } from '../hooks/answer.ts';

export interface DecideApiDeps {
  /** The gateway's agent-token check (gateway/auth.ts createEdgeAuth). */
  authenticate: (headers: IncomingHttpHeaders, remote: string | undefined) => Promise<Authenticated>;
  /** Runs the call through the pipeline without executing it (pipeline/decide.ts decideCall). */
  decide: (input: DecideInput) => Promise<DecideOutcome>;
  /** How long a request may wait for a human's approval before answering `onTimeout`. */
  maxWaitMs: number;
  /** What to answer when the wait runs out: "ask" hands the decision to the agent's own prompt. Default "deny". */
  onTimeout?: 'ask' | 'deny';
  logger?: { error(obj: unknown, msg?: string): void };
}

/** Hook payloads carry file contents (Write, Edit); the hook client cuts them to 64 KiB each. */
export const DECIDE_BODY_LIMIT = 512 * 1024;

const bodySchema = {
  type: 'object',
  required: ['client', 'tool', 'input'],
  additionalProperties: false,
  properties: {
    client: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    tool: { type: 'string', minLength: 1, maxLength: 256 },
    input: { type: 'object' },
    cwd: { type: 'string', maxLength: 4096 },
    session_id: { type: 'string', maxLength: 256 },
  },
} as const;

interface DecideBody {
  client: string;
  tool: string;
  input: Record<string, unknown>;
  cwd?: string;
  session_id?: string;
}

/**
 * POST /api/v1/decide: judges an action a coding agent is about to take with its own tools
 * (reported by a hook) through Shield, policy, approval and audit, without executing it,
 * and answers allow | deny | ask. Encapsulated: its own JSON parser, body limit and error
 * mapping, so nothing here changes the MCP routes.
 */
export function registerDecideApi(app: FastifyInstance, deps: DecideApiDeps): void {
  const onTimeout = deps.onTimeout ?? 'deny';
  app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: DECIDE_BODY_LIMIT }, (_req, body, done) => {
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(new FlowLinkError('parse_error', 'the body is not valid JSON'), undefined);
      }
    });
    api.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
      let e: FlowLinkError;
      if (isFlowLinkError(err)) e = err;
      else if (err.validation) e = new FlowLinkError('invalid_params', err.message.replace(/^body/, 'the body'));
      else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = new FlowLinkError('unsupported_media_type', 'send the body as application/json');
      else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new FlowLinkError('payload_too_large', `the body is larger than ${DECIDE_BODY_LIMIT} bytes`);
      else if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') e = new FlowLinkError('invalid_params', 'the body is empty: send {"client", "tool", "input"}');
      else if (err.statusCode && err.statusCode < 500) e = new FlowLinkError('bad_request', err.message);
      else {
        deps.logger?.error({ err, url: req.url }, 'decide request failed');
        e = new FlowLinkError('internal', 'internal error');
      }
      void reply.status(e.http).header('cache-control', 'no-store').send({ error: { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) } });
    });

    api.post<{ Body: DecideBody }>('/api/v1/decide', { schema: { body: bodySchema } }, async (req, reply): Promise<DecideAnswer> => {
      // Authenticate before looking at the call: an unknown caller learns nothing about it.
      const auth = await deps.authenticate(req.headers, req.socket.remoteAddress);
      if (!req.body || typeof req.body !== 'object') throw new FlowLinkError('invalid_params', 'the body must be a JSON object');
      const { client, tool, input, cwd, session_id } = req.body;
      const action = toHookAction({ client, tool, input, cwd });
      // The wait for a human ends at maxWaitMs, or when the hook gives up (the agent was stopped).
      const ac = new AbortController();
      const gone = () => {
        if (!reply.raw.writableFinished) ac.abort(new Error('the hook disconnected'));
      };
      reply.raw.on('close', gone);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), deps.maxWaitMs);
      });
      try {
        const outcome = await Promise.race([
          deps.decide({
            identity: auth.identity,
            tokenHash: auth.tokenHash,
            sessionId: session_id,
            client: { name: client },
            server: action.server,
            tool: action.tool,
            arguments: action.arguments,
            signal: ac.signal,
          }),
          timeout,
        ]);
        void reply.header('cache-control', 'no-store');
        if (outcome === 'timeout') {
          ac.abort(new Error('approval wait ran out'));
          return timedOut(onTimeout, deps.maxWaitMs);
        }
        return answerFor(outcome);
      } finally {
        clearTimeout(timer);
        reply.raw.off('close', gone);
      }
    });
  });
}
