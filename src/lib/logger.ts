import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger for the process. Redaction paths cover the places a credential can sit
 * in our own log objects; values that must never be logged are simply not passed.
 */
export function createLogger(opts: { level?: string; pretty?: boolean } = {}): Logger {
  return pino({
    level: opts.level ?? process.env.FLOWLINK_LOG_LEVEL ?? 'info',
    base: undefined,
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'password', '*.password', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
