/** AutoTrain's evaluation step as an activity (issue 23): both models measured on the same rows after training. */
import { Context, log } from '@temporalio/activity';
import { measureOnSameRows, type SameRowsResult } from '../backends/autotrain/autotrain-evaluation';
import type { DataRef, JobRef, RunContext } from '../backends/types';
import { ModelRegistry } from '../registry/model-registry';
import type { ActivityDeps } from './deps';

export type SameRowsActivityDeps = Pick<ActivityDeps, 'hubEndpoint' | 'hfToken' | 'fetch' | 'stateDir' | 'modelsDir'>;

export function createSameRowsActivities(deps: SameRowsActivityDeps) {
  return {
    /**
     * Downloads the model AutoTrain pushed and the model in service, and measures both on the same rows of the
     * run's revision (src/backends/autotrain/autotrain-evaluation.ts). A comparison it cannot make is an answer
     * (`missing`), not a failure: the gate then compares the numbers as recorded, and says why. With
     * `backend.evaluation.runner: "hf-jobs"` the comparison runs in a small Job (evaluation-job.ts), checked with a
     * heartbeat and cancelled with this activity.
     */
    async measureOnSameRows(run: RunContext, job: JobRef, data: DataRef, model?: string): Promise<SameRowsResult> {
      const repo = model ?? job.outputModel;
      if (!repo) return { missing: 'AutoTrain named no model repo' };
      const context = Context.current();
      const result = await measureOnSameRows(run, data, repo, {
        hub: { hubUrl: deps.hubEndpoint, token: deps.hfToken, fetch: deps.fetch },
        stateDir: deps.stateDir,
        registry: new ModelRegistry(deps.modelsDir),
        job: {
          heartbeat: (details) => context.heartbeat(details),
          signal: context.cancellationSignal,
          started: (started) => {
            log.info('evaluation job', { event: 'same-rows-job', model: repo, ...started });
          },
        },
      });
      log.info(result.unmade ?? result.missing ?? `both models measured on the same ${result.rows} rows`, {
        event: 'same-rows',
        model: repo,
        modelRevision: result.modelRevision,
      });
      return result;
    },
  };
}
