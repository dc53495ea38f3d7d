/**
 * The `RETRAIN_PAYLOAD_KEY` setting: the keys that encrypt workflow payloads (src/temporal/payload-codec.ts
 * uses them; the environment check parses them here, so a bad key fails at start with its variable's name).
 */
import { createHash } from 'node:crypto';

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `RETRAIN_PAYLOAD_KEY`: comma-separated `id:base64key` or bare `base64key` entries (a bare key's id
 * is derived from it); each key is 32 bytes. The first entry encrypts.
 */
export function parsePayloadKeys(value: string): PayloadKey[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const material = colon >= 0 ? entry.slice(colon + 1) : entry;
      const key = Buffer.from(material, 'base64');
      if (key.length !== 32) throw new Error('each key must be 32 bytes, base64-encoded (openssl rand -base64 32)');
      const id = colon >= 0 ? entry.slice(0, colon) : createHash('sha256').update(key).digest('hex').slice(0, 12);
      if (!/^[\w.-]{1,64}$/.test(id)) throw new Error('a key id may use letters, digits, ".", "_" and "-"');
      return { id, key };
    });
}
