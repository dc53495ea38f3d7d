/**
 * Optional end-to-end encryption of workflow payloads (RETRAIN_PAYLOAD_KEY): AES-256-GCM over each
 * serialized payload, the key id in the metadata. Several keys may be configured for rotation: the first
 * encrypts, every one decrypts.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const CIPHER = 'AES256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('at least one payload key is needed');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          'encryption-cipher': encoder.encode(CIPHER),
          'encryption-key-id': encoder.encode(id),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = payload.metadata?.['encryption-key-id'];
      const key = id ? this.byId.get(decoder.decode(id)) : undefined;
      if (!key) throw new Error(`no key with id ${id ? decoder.decode(id) : '(none)'} in RETRAIN_PAYLOAD_KEY`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The codecs to configure for a given RETRAIN_PAYLOAD_KEY (none when unset). */
export function payloadCodecs(keySetting: string | undefined): PayloadCodec[] {
  return keySetting ? [new AesGcmPayloadCodec(parsePayloadKeys(keySetting))] : [];
}
