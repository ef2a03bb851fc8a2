import nodemailer from 'nodemailer';
import type { Logger } from '../lib/logger.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Outgoing mail (password resets, invites). One interface; SMTP or the console. */
export interface Mailer {
  send(msg: MailMessage): Promise<void>;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  /** Refuse to send over a connection that did not upgrade to TLS. */
  requireTls?: boolean;
  user?: string;
  password?: string;
  from: string;
}

export function createSmtpMailer(s: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure ?? false,
    requireTLS: s.requireTls ?? false,
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(msg) {
      await transport.sendMail({ from: s.from, to: msg.to, subject: msg.subject, text: msg.text });
    },
  };
}

/**
 * For installs without mail: the message (with its link) goes to the server log, where
 * the operator can read it and pass the link on. Not for multi-tenant deployments.
 */
export function createConsoleMailer(logger: Pick<Logger, 'warn'>): Mailer {
  return {
    async send(msg) {
      logger.warn({ to: msg.to, subject: msg.subject, body: msg.text }, 'mail (console mailer: no SMTP configured)');
    },
  };
}
