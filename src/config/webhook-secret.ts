import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './load-config';

export interface ResolvedSecret {
  secret: string;
  source: 'env' | 'file' | 'generated';
  file?: string;
}

/**
 * WEBHOOK_SECRET, else the one kept in `<stateDir>/webhook-secret`, else (for the quick start) a new
 * random one written there with owner-only permissions.
 */
export function resolveWebhookSecret(
  envSecret: string | undefined,
  stateDir: string,
  generate: boolean,
): ResolvedSecret {
  if (envSecret) return { secret: envSecret, source: 'env' };
  const file = join(stateDir, 'webhook-secret');
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 8) return { secret, source: 'file', file };
  } catch {
    // not there yet
  }
  if (!generate) {
    throw new ConfigError('environment', [
      { path: 'WEBHOOK_SECRET', message: 'required for the receiver (the same value as in the Hub webhook settings)' },
    ]);
  }
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, source: 'generated', file };
}

/** WEBHOOK_SECRET, else the one kept in the state folder; undefined when there is none (a worker of its own). */
export function existingWebhookSecret(envSecret: string | undefined, stateDir: string): string | undefined {
  try {
    return resolveWebhookSecret(envSecret, stateDir, false).secret;
  } catch {
    return undefined;
  }
}
