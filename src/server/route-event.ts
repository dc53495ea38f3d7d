import type { PipelineSpec } from '../config/config-schema';
import { cut } from '../workflows/delivery';
import type { WebhookPayload } from './webhook-payload';

export type RouteDecision =
  | { kind: 'ignored'; reason: string }
  | { kind: 'matched'; pipelines: PipelineSpec[]; revision?: string; oldSha?: string | null };

const MAIN = 'refs/heads/main';
/** How many of the updated refs an "ignored" reason names, and how much of each. */
const REFS_NAMED = 5;
const REF_LENGTH = 100;

/**
 * Which pipelines an event starts (design.md): an `update` of scope `repo.content*` on a dataset that a
 * pipeline watches, where main moved. Scopes match by prefix: the Hub adds narrower ones over time.
 */
export function routeEvent(payload: WebhookPayload, pipelines: readonly PipelineSpec[]): RouteDecision {
  const { event, repo } = payload;
  if (event.action !== 'update') return { kind: 'ignored', reason: `event action is "${event.action}", not "update"` };
  if (!event.scope.startsWith('repo.content')) {
    return { kind: 'ignored', reason: `event scope "${event.scope}" is not a content change` };
  }
  if (repo.type !== 'dataset') return { kind: 'ignored', reason: `repo type is "${repo.type}", not "dataset"` };
  const matching = pipelines.filter((p) => p.input_dataset === repo.name);
  if (matching.length === 0) return { kind: 'ignored', reason: `no pipeline watches dataset "${repo.name}"` };

  if (payload.updatedRefs == null) return { kind: 'matched', pipelines: matching, revision: repo.headSha };
  const main = payload.updatedRefs.find((r) => r.ref === MAIN && r.newSha);
  if (!main) {
    const named = payload.updatedRefs.slice(0, REFS_NAMED).map((r) => cut(r.ref, REF_LENGTH));
    const more = payload.updatedRefs.length - named.length;
    const refs = `${named.join(', ') || 'none'}${more > 0 ? ` and ${more} more` : ''}`;
    return { kind: 'ignored', reason: `main did not move (updated refs: ${refs})` };
  }
  return { kind: 'matched', pipelines: matching, revision: main.newSha ?? undefined, oldSha: main.oldSha };
}
