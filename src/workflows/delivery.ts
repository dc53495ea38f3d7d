/**
 * What a delivery may put into a pipeline's history and state, and its bounds (issue 15). A signal carries
 * the facts the pipeline needs — where the update came from, the Hub's delivery id cut to
 * MAX_DELIVERY_ID_LENGTH, the event, main's shas, the times — never the payload; every string is cut.
 * The receiver bounds what it sends (record-update.ts) and PipelineWorkflow bounds what it keeps, so an
 * older receiver that still sends a whole delivery cannot grow the state either. Pure code: it is bundled
 * into the workflows.
 */
import type { Delivery } from './definitions';

/** A Hub delivery id (24 hex digits today) is cut to this many characters, the last one then being `…`. */
export const MAX_DELIVERY_ID_LENGTH = 64;
/** An event's action and scope (`update`, `repo.content`): the receiver refuses longer ones (webhook-payload.ts). */
export const MAX_EVENT_FIELD_LENGTH = 100;
/** A sha or content hash (40 hex digits), an ISO time: anything longer is cut to this. */
const MAX_SHORT_FIELD_LENGTH = 64;
/** A run's outcome message kept in the pipeline's state (a backend's error may be a whole HTML page). */
export const MAX_MESSAGE_LENGTH = 1000;

/** `text` if it fits in `max` characters, else its beginning and `…` (never half a surrogate pair). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

const cutOptional = <T extends string | null | undefined>(value: T, max: number): T =>
  (typeof value === 'string' ? cut(value, max) : value) as T;

/** The bounded facts of a delivery: only its known fields, each cut to its bound. */
export function boundedDelivery(delivery: Delivery): Delivery {
  const bounded: Delivery = {
    source: cut(String(delivery.source), MAX_SHORT_FIELD_LENGTH) as Delivery['source'],
    receivedAt: cut(String(delivery.receivedAt), MAX_SHORT_FIELD_LENGTH),
  };
  if (delivery.webhookId !== undefined) bounded.webhookId = cut(String(delivery.webhookId), MAX_DELIVERY_ID_LENGTH);
  if (delivery.event) {
    bounded.event = {
      action: cut(String(delivery.event.action), MAX_EVENT_FIELD_LENGTH),
      scope: cut(String(delivery.event.scope), MAX_EVENT_FIELD_LENGTH),
    };
  }
  if (delivery.oldSha !== undefined) bounded.oldSha = cutOptional(delivery.oldSha, MAX_SHORT_FIELD_LENGTH);
  if (delivery.newSha !== undefined) bounded.newSha = cutOptional(delivery.newSha, MAX_SHORT_FIELD_LENGTH);
  if (delivery.changedAt !== undefined) bounded.changedAt = cut(String(delivery.changedAt), MAX_SHORT_FIELD_LENGTH);
  return bounded;
}
