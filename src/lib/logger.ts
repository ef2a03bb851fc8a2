import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger for the process. Redaction paths cover the places a credential can sit
 * in our own log objects; values that must never be logged are simply not passed.
 */
/** `streamWrite` rewrites each finished log line (used to take injected secret values out). */
export function createLogger(opts: { level?: string; streamWrite?: (line: string) => string } = {}): Logger {
  return pino({
    level: opts.level ?? process.env.FLOWLINK_LOG_LEVEL ?? 'info',
    base: undefined,
    ...(opts.streamWrite ? { hooks: { streamWrite: opts.streamWrite } } : {}),
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'password', '*.password', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
