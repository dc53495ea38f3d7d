import pino, { type Logger } from 'pino';

/** Keys that may carry a credential anywhere in a log object; pino replaces their values. */
const REDACT = [
  'secret',
  'token',
  'authorization',
  'hfToken',
  'webhookSecret',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.hfToken',
  '*.webhookSecret',
  'headers["x-webhook-secret"]',
  '*.headers["x-webhook-secret"]',
  '*.headers.authorization',
];

export function createLogger(level: string, name = 'hub-retrain', destination?: pino.DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

export type { Logger };
