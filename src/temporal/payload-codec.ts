/**
 * Optional end-to-end encryption of workflow payloads (RETRAIN_PAYLOAD_KEY): AES-256-GCM over each
 * serialized payload, the key id in the metadata. Several keys may be configured for rotation: the first
 * encrypts, every one decrypts.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { parsePayloadKeys, type PayloadKey } from '../config/payload-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const CIPHER = 'AES256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
