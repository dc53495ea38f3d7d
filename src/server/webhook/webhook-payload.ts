import { z } from 'zod';
import { MAX_EVENT_FIELD_LENGTH } from '../../workflows/delivery';

/**
 * A Hub webhook payload, version 3 (spec/hf-webhooks.md). Only the fields routing needs are checked;
 * everything else is tolerated, because the Hub adds fields over time.
 *
 * Every string that can reach a pipeline's history is bounded (issue 15): the event's action and scope and
 * the repo type are refused past MAX_EVENT_FIELD_LENGTH (the Hub's are a few words), the repo name past 200,
 * the shas must be 40 hex digits; `webhook.id` of any length is accepted and cut to MAX_DELIVERY_ID_LENGTH
 * when it is recorded (src/workflows/delivery.ts), so a Hub that changes its id format still gets through.
 */
const field = z.string().min(1).max(MAX_EVENT_FIELD_LENGTH);
const sha = z.string().regex(/^[0-9a-f]{40}$/, { message: 'expected a 40-character hex commit sha' });

export const webhookPayloadSchema = z.looseObject({
  event: z.looseObject({
    action: field,
    scope: field,
  }),
  repo: z.looseObject({
    type: field,
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
  // Discussion events: only AutoTrain's outcome title is looked for (route-event.ts), and nothing of it is recorded.
  // A namespace webhook delivers every discussion of the namespace, so an odd one is "not for us" (200), never 400.
  discussion: z
    .looseObject({
      title: z.string().optional().catch(undefined),
      isPullRequest: z.boolean().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  webhook: z.looseObject({
    id: z.string(),
    version: z.literal(3, { message: 'unsupported webhook payload version: hub-retrain understands version 3' }),
  }),
});

export type WebhookPayload = z.output<typeof webhookPayloadSchema>;
