/** After training: evaluate and promote (the registry), publish, and announce beyond the Hub. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '@temporalio/activity';
import type { RunCost } from '../workflows/definitions';
import { baselineNote, trainerOf } from '../backends/local/trainer-choice';
import type { SameRowsResult } from '../backends/autotrain/autotrain-evaluation';
import type { JobRef, RunContext } from '../backends/types';
import { requireHfToken } from '../http/http-error';
import { publishModelFolder } from '../registry/publish-model';
import { pushDataReport } from '../registry/pushed-data-report';
import { COMPARISON_FILE, readComparison } from '../registry/comparison-file';
import { modelCommit, readPushedComparison } from '../registry/pushed-comparison';
import { ModelRegistry } from '../registry/model-registry';
import { decidePromotion, type Evidence, type PromotionDecision } from '../registry/promotion';
import { renderAnnouncement, type Announcement, type AnnouncementContext } from './announcements';
import type { ActivityDeps } from './deps';
import { postWebhook, webhookMessage } from './outgoing-webhook';

export type OutcomeDeps = Pick<ActivityDeps, 'hubEndpoint' | 'hfToken' | 'fetch'> & {
  registry: ModelRegistry;
  context: AnnouncementContext;
};

export interface Evaluation {
  decision: PromotionDecision;
  /**
   * Whether the run publishes the model to the pipeline's `publish.repo`: promoted, asked for, and trained by
   * the local backend (AutoTrain and Jobs push their model to the Hub themselves).
   */
  publishable: boolean;
  /** The run's folder in the registry. */
  registryDir: string;
  metrics: Record<string, number>;
}

export function createOutcomeActivities(deps: OutcomeDeps) {
  return {
    /**
     * Records the run in the registry (metrics, model card) and applies the promotion gate. Idempotent: a
     * retry after a promotion sees this revision already current and says promoted again.
     */
    async evaluateModel(
      run: RunContext,
      job: JobRef,
      result: { metrics: Record<string, number>; model?: string; sameRows?: SameRowsResult; cost?: RunCost },
    ): Promise<Evaluation> {
      const { pipeline, revision } = run;
      const local = pipeline.backend.type === 'local' ? pipeline.backend : undefined;
      const model = local ? undefined : (result.model ?? job.outputModel);
      // A Jobs run pushes comparison.json with its model: both models measured on the same rows in the job.
      const pushed =
        pipeline.backend.type === 'hf-jobs' && model
          ? await readPushedComparison(model, {
              hubUrl: deps.hubEndpoint,
              accessToken: deps.hfToken,
              fetch: deps.fetch,
            })
          : undefined;
      // data-report.json goes beside the model; its commit (the same model) is recorded when made on the one measured.
      const measured = pushed?.revision ?? result.sameRows?.modelRevision;
      const reportCommit = model ? await pushReport(run, model, measured) : undefined;
      const registryDir = deps.registry.record({
        pipeline: pipeline.name,
        dataset: pipeline.input_dataset,
        revision,
        baseModel: pipeline.input_model,
        task: pipeline.task,
        backend: pipeline.backend.type,
        metrics: result.metrics,
        model,
        // No commit measured (a run from before that was recorded): none is recorded now either.
        modelRevision: measured && (reportCommit ?? measured),
        trainedAt: new Date().toISOString(),
        fromBaseModel: !local || trainerOf(local) !== 'baseline',
        note: local && baselineNote(local, pipeline),
        ...(result.cost ? { cost: result.cost } : {}),
      });
      if (pushed?.comparison) writeFileSync(join(registryDir, COMPARISON_FILE), pushed.comparison);
      const current = deps.registry.current(pipeline.name);
      const decision =
        current?.revision === revision
          ? { promoted: true, reason: 'promoted (already in service)', metric: pipeline.promotion?.metric }
          : decidePromotion(
              pipeline.promotion,
              result.metrics,
              current,
              evidence(pipeline.backend.type, registryDir, result.sameRows),
            );
      // A model deployed to an Inference Endpoint or a Space becomes `current` when the target serves it
      // (recordServing): until then, and if its deploy fails, `current` names the model that really serves.
      const deployedLater = pipeline.deploy?.type === 'endpoint' || pipeline.deploy?.type === 'space';
      if (decision.promoted && current?.revision !== revision && !deployedLater)
        deps.registry.promote(pipeline.name, revision);
      deps.registry.recordVerdict(pipeline.name, revision, decision);
      log.info(decision.reason, { event: 'verdict', pipeline: pipeline.name, revision, promoted: decision.promoted });
      const publishable = decision.promoted && pipeline.publish !== undefined && local !== undefined;
      return { decision, publishable, registryDir, metrics: result.metrics };
    },

    /** Uploads a promoted local model to the pipeline's `publish.repo` (data-report.json with it). */
    async publishModel(run: RunContext, registryDir: string): Promise<{ url: string; commit?: string }> {
      const publish = run.pipeline.publish;
      if (!publish) throw new Error(`pipeline ${run.pipeline.name} has no publish settings`);
      const token = requireHfToken(deps.hfToken, 'publishing a model needs a write token');
      const published = await publishModelFolder({
        hubUrl: deps.hubEndpoint,
        token,
        repo: publish.repo,
        folder: registryDir,
        private: publish.private,
        commitTitle: `hub-retrain: ${run.pipeline.name} on ${run.revision.slice(0, 7)}`,
        fetch: deps.fetch,
      });
      log.info('model published', { repo: publish.repo, commit: published.commit });
      // What a deploy puts in service: this exact commit, not whatever the repo's main holds by then.
      if (published.commit)
        deps.registry.recordPublished(run.pipeline.name, run.revision, publish.repo, published.commit);
      return published;
    },

    /** `notify.webhook_url`: a Slack-compatible JSON POST, retried by the activity's policy. */
    async notifyWebhook(announcement: Announcement): Promise<{ status: number }> {
      const url = announcement.pipeline.notify?.webhook_url;
      if (!url) return { status: 0 };
      const { title } = renderAnnouncement(announcement, deps.context);
      const key = `${announcement.workflowId}:${announcement.kind}`;
      const status = await postWebhook(url, webhookMessage(announcement, title), key, deps.fetch);
      log.info('outgoing webhook delivered', { kind: announcement.kind, status });
      return { status };
    },
  };

  /**
   * data-report.json beside a model AutoTrain or Jobs pushed (a local model's goes with its folder when published),
   * committed on the repo's head (`parentCommit`: the Hub refuses it when the repo moves on meanwhile). The new
   * commit holds the model measured, so it is what the run records when the head was the commit measured; when the
   * repo had moved on (an evaluation Job's comparison.json) the commit measured stays recorded. The model is
   * trained and recorded whatever happens here: a report not pushed is a warning.
   */
  async function pushReport(run: RunContext, model: string, measured?: string): Promise<string | undefined> {
    if (!deps.hfToken) return undefined;
    try {
      const access = { hubUrl: deps.hubEndpoint, accessToken: deps.hfToken, fetch: deps.fetch };
      const head = await modelCommit(model, access);
      if (!head) return undefined;
      const pushed = await pushDataReport({
        hubUrl: deps.hubEndpoint,
        token: deps.hfToken,
        repo: model,
        folder: deps.registry.runDir(run.pipeline.name, run.revision),
        parentCommit: head,
        commitTitle: `hub-retrain: data report of ${run.pipeline.input_dataset} at ${run.revision.slice(0, 7)}`,
        fetch: deps.fetch,
      });
      log.info('data report beside the model', { model, ...pushed });
      return 'commit' in pushed && head === measured ? pushed.commit : undefined;
    } catch (err) {
      log.warn('the data report could not be pushed beside the model', { model, error: (err as Error).message });
      return undefined;
    }
  }
}

/**
 * What the trainer measured. AutoTrain trains with its own code, which measures no model in service: its runs'
 * evaluation step does (`sameRows`, patch 'autotrain-same-rows'); runs started before it compare as recorded.
 */
function evidence(backend: string, registryDir: string, sameRows: SameRowsResult | undefined): Evidence {
  if (backend !== 'autotrain') return readComparison(registryDir);
  if (!sameRows) return { missing: 'AutoTrain does not measure the model in service on the same rows' };
  if (sameRows.unmade) return { unmade: sameRows.unmade };
  return sameRows.missing ? { missing: sameRows.missing } : readComparison(registryDir);
}
