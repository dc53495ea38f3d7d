import { AUTOTRAIN_FAILURE_TITLE, AUTOTRAIN_SUCCESS_TITLE } from '../../backends/autotrain/runtime-status';
import { runsOfTrainingSpace, type SpaceRun } from '../../backends/autotrain/training-space';
import type { PipelineSpec } from '../../config/config-schema';
import { cut } from '../../workflows/delivery';
import type { WebhookPayload } from './webhook-payload';

export type RouteDecision =
  | { kind: 'ignored'; reason: string }
  | { kind: 'matched'; pipelines: PipelineSpec[]; revision?: string; oldSha?: string | null }
  /** AutoTrain posted its outcome on a training Space: the runs that may wait for it (training-notice.ts). */
  | { kind: 'training-ended'; spaceId: string; runs: SpaceRun[] };

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
  if (isDiscussionScope(event.scope)) return routeDiscussion(payload, pipelines);
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

/** `discussion` and narrower scopes the Hub may add, but not `discussion.comment` (a comment, not a discussion). */
function isDiscussionScope(scope: string): boolean {
  return (scope === 'discussion' || scope.startsWith('discussion.')) && !scope.startsWith('discussion.comment');
}

const OUTCOME_TITLES: readonly string[] = [AUTOTRAIN_SUCCESS_TITLE, AUTOTRAIN_FAILURE_TITLE];

/**
 * A discussion event is for us when it is AutoTrain's outcome discussion, opened on the training Space of an
 * AutoTrain pipeline's run (the Space's name names the project: training-space.ts). The namespace webhook that
 * delivers it delivers every other discussion of the namespace too: those are answered 200, not for us.
 */
function routeDiscussion(payload: WebhookPayload, pipelines: readonly PipelineSpec[]): RouteDecision {
  const { event, repo, discussion } = payload;
  if (event.action !== 'create') {
    return { kind: 'ignored', reason: `discussion event action is "${event.action}", not "create"` };
  }
  if (repo.type !== 'space') return { kind: 'ignored', reason: `a discussion on a ${repo.type}, not on a Space` };
  if (!discussion?.title || !OUTCOME_TITLES.includes(discussion.title) || discussion.isPullRequest) {
    return { kind: 'ignored', reason: "not AutoTrain's outcome discussion" };
  }
  const runs = runsOfTrainingSpace(repo.name, pipelines);
  if (runs.length === 0) {
    return { kind: 'ignored', reason: `no AutoTrain pipeline trains in the Space "${repo.name}"` };
  }
  return { kind: 'training-ended', spaceId: repo.name, runs };
}
