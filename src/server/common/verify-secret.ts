import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented secret with the configured one. Both are hashed first so the
 * comparison takes the same time whatever the lengths (timingSafeEqual needs equal-length inputs).
 */
export function secretMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, digestOf(expected));
}

/** The configured secret's digest, computed once (the secret is fixed for the life of a receiver). */
let lastExpected: string | undefined;
let lastDigest: Buffer = Buffer.alloc(0);
function digestOf(expected: string): Buffer {
  if (expected !== lastExpected) {
    lastDigest = createHash('sha256').update(expected, 'utf8').digest();
    lastExpected = expected;
  }
  return lastDigest;
}

export type SecretCheck = 'ok' | 'missing' | 'wrong';

/**
 * The Hub sends the secret in `X-Webhook-Secret`; its docs also show a `?secret=` query form. A repeated
 * header (joined by Node with ", ") or repeated query parameter never matches.
 */
export function checkSecret(header: string | string[] | undefined, query: unknown, expected: string): SecretCheck {
  const presented = header !== undefined ? header : query;
  if (presented === undefined || presented === '') return 'missing';
  if (typeof presented !== 'string') return 'wrong';
  return secretMatches(presented, expected) ? 'ok' : 'wrong';
}
