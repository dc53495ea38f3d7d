import { z } from 'zod';

/**
 * A Hub webhook payload, version 3 (spec/hf-webhooks.md). Only the fields routing needs are checked;
 * everything else is tolerated, because the Hub adds fields over time.
 */
const sha = z.string().regex(/^[0-9a-f]{40}$/, { message: 'expected a 40-character hex commit sha' });

export const webhookPayloadSchema = z.looseObject({
  event: z.looseObject({
    action: z.string().min(1),
    scope: z.string().min(1),
  }),
  repo: z.looseObject({
    type: z.string().min(1),
    name: z.string().min(1).max(200),
    headSha: sha.optional(),
  }),
  // huggingface_hub's payload model types it Optional (null is sent), and a push may move any number of refs (a
  // tag-all push: thousands); routing reads only the refs/heads/main entry.
  updatedRefs: z
    .array(
      z.looseObject({
        ref: z.string(),
        oldSha: sha.nullable().optional(),
        newSha: sha.nullable().optional(),
      }),
    )
    .nullish(),
  webhook: z.looseObject({
    id: z.string(),
    version: z.literal(3, { message: 'unsupported webhook payload version: hub-retrain understands version 3' }),
  }),
});

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
