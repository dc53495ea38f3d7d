import { resolve } from 'node:path';
import type { AutotrainBackendOptions } from '../../config/backends';
import { HttpError, requireHfToken } from '../../http/http-error';
import { downloadHubSnapshot } from '../../datasets/hub-snapshot';
import type { SpaceRuntime } from '../../hub/hub-client';
import { logTailOf, PipelineBackend } from '../types';
import type { DataRef, JobRef, ProjectRef, RunContext, TrainingBackend, TrainingStatus } from '../types';
import type { BackendDeps } from '../deps';
import { AutotrainClient } from './autotrain-client';
import { chooseColumnMapping } from './column-mapping';
import { autotrainState, needsStopping, outcomeMayBePosted } from './runtime-status';
import { stageRevision, stagingRepoId } from './stage-dataset';
import { autotrainProjectName, trainingSpaceId } from './training-space';

/** The public AutoTrain Advanced Space; point `backend.api_url` or AUTOTRAIN_API_URL at your own `autotrain app`. */
export const DEFAULT_AUTOTRAIN_API_URL = 'https://autotrain-projects-autotrain-advanced.hf.space';

/** How hard a stop tries: pause requests, and runtime reads after each to see the Space paused. */
export interface StopPolicy {
  pauses: number;
  checks: number;
  checkEveryMs: number;
}
const DEFAULT_STOP_POLICY: StopPolicy = { pauses: 3, checks: 10, checkEveryMs: 1000 };

/** `autotrainApiUrl` (AUTOTRAIN_API_URL) is used when the pipeline names no `api_url`; datasets are downloaded into `<stateDir>/hub-cache` to be read and staged. */
export type AutotrainBackendDeps = Pick<BackendDeps, 'hub' | 'hfToken' | 'autotrainApiUrl' | 'stateDir' | 'fetch'> & {
  stopPolicy?: StopPolicy;
  /**
   * Whether a Hub webhook delivers the discussions of a namespace's Spaces to the receiver, which then tells the
   * waiting run that AutoTrain posted its outcome (src/server/webhook/training-notice.ts). Unset: never assumed.
   */
  discussionWebhook?: (namespace: string) => Promise<boolean>;
};

export { autotrainProjectName } from './training-space';

/** `DataRef.detail` keys this backend writes (visible in the addData result of the run's history). */
const DETAIL = {
  mapping: 'column_mapping',
  mappingFrom: 'column_mapping_from',
  staging: 'staging_dataset',
} as const;

/**
 * AutoTrain Advanced behind the five steps. create_project both creates the training Space and starts it, so
 * it is the start step (after approval); createProject reserves the deterministic name and checks the server
 * answers; addData pins the dataset commit and chooses the column mapping; start copies that commit to the run's
 * own staging dataset (what AutoTrain reads) and creates the project. Every step first looks for what an earlier
 * attempt made.
 */
export class AutotrainBackend
  extends PipelineBackend<AutotrainBackendDeps, AutotrainBackendOptions>
  implements TrainingBackend
{
  readonly type = 'autotrain';

  async createProject(run: RunContext): Promise<ProjectRef> {
    await this.client().version();
    const projectName = autotrainProjectName(run);
    const projectId = trainingSpaceId(run.pipeline.target_namespace, projectName);
    return {
      projectName,
      projectId,
      links: {
        job: this.deps.hub.webUrl({ type: 'space', name: projectId }),
        model: this.deps.hub.webUrl({ type: 'model', name: `${run.pipeline.target_namespace}/${projectName}` }),
      },
    };
  }

  async addData(run: RunContext, project: ProjectRef): Promise<DataRef> {
    const { options } = this;
    const dataset = run.pipeline.input_dataset;
    // A commit that does not exist (or that the token cannot see) is the Hub's 404: a non-retryable HttpClientError.
    const at = await this.deps.hub.datasetAt(dataset, run.revision);
    const dir = await this.snapshot(dataset, at.sha);
    const { mapping, from } = await chooseColumnMapping({
      task: run.pipeline.task,
      configured: options.column_mapping,
      dir,
      cardData: at.cardData,
      dataset: `${dataset}@${at.sha.slice(0, 7)}`,
    });
    const detail: Record<string, string> = {
      train_split: options.train_split,
      [DETAIL.mapping]: JSON.stringify(mapping),
      [DETAIL.mappingFrom]: from,
      [DETAIL.staging]: stagingRepoId(run.pipeline.target_namespace, project.projectName),
    };
    if (options.valid_split) detail.valid_split = options.valid_split;
    return { dataset, revision: at.sha, detail };
  }

  async start(run: RunContext, project: ProjectRef, data: DataRef): Promise<JobRef> {
    const existing = await this.findJob(run, project);
    if (existing) return { ...existing, reused: true };
    const { jobId: projectId, links, outputModel } = this.jobRef(run, project);
    const { options } = this;
    const staging = data.detail?.[DETAIL.staging] ?? stagingRepoId(run.pipeline.target_namespace, project.projectName);
    await stageRevision({
      hubUrl: this.deps.hub.endpoint,
      token: this.token(),
      fetch: this.deps.fetch,
      source: data.dataset,
      revision: data.revision,
      target: staging,
      cacheDir: this.cacheDir(),
    });
    const mapping = data.detail?.[DETAIL.mapping];
    try {
      const created = await this.client().createProject({
        project_name: project.projectName,
        task: run.pipeline.task,
        base_model: run.pipeline.input_model,
        hardware: options.hardware,
        params: options.params,
        username: run.pipeline.target_namespace,
        column_mapping: mapping ? (JSON.parse(mapping) as Record<string, string | string[]>) : options.column_mapping,
        hub_dataset: staging,
        train_split: options.train_split,
        ...(options.valid_split ? { valid_split: options.valid_split } : {}),
      });
      return { jobId: created.job_id || projectId, links, outputModel };
    } catch (err) {
      // The first attempt may have created the Space before its answer was lost.
      const created = err instanceof HttpError ? await this.findJob(run, project) : undefined;
      if (created) return { ...created, reused: true };
      // Refused for good: no project will read the staged copy.
      if (err instanceof HttpError && !err.retryable) await this.deleteStaging(run, project.projectName);
      throw err;
    }
  }

  /** The training Space is the job: it exists once create_project has made it. */
  async findJob(run: RunContext, project: ProjectRef): Promise<JobRef | undefined> {
    const job = this.jobRef(run, project);
    return (await this.deps.hub.spaceRuntime(job.jobId)) ? job : undefined;
  }

  async status(run: RunContext, job: JobRef): Promise<TrainingStatus> {
    const runtime = await this.deps.hub.spaceRuntime(job.jobId);
    const titles = runtime && outcomeMayBePosted(runtime) ? await this.deps.hub.spaceDiscussions(job.jobId) : [];
    // The Space was deleted between the two reads: it no longer exists either way.
    const { state, message } = autotrainState(
      titles === undefined ? undefined : runtime,
      (titles ?? []).map((d) => d.title),
    );
    if (state === 'succeeded' || state === 'failed' || state === 'cancelled') {
      // The trainer is done reading: the run's copy of the dataset can go.
      await this.deleteStaging(run, this.projectNameOf(job.jobId));
    }
    return {
      state,
      stage: runtime?.stage ?? 'MISSING',
      message,
      links: job.links,
      model: state === 'succeeded' ? job.outputModel : undefined,
    };
  }

  /**
   * AutoTrain posts its outcome as a discussion on the training Space; with the Hub's discussion webhook on the
   * target namespace, the receiver hears of it and tells the run.
   */
  async tellsWhenDone(run: RunContext): Promise<boolean> {
    return (await this.deps.discussionWebhook?.(run.pipeline.target_namespace).catch(() => false)) ?? false;
  }

  /**
   * Stops the training by pausing its Space through the Hub (what AutoTrain's stop_training does inside, whose
   * answer is 200 even when the pause failed), then reads the runtime until the Space is paused. A pause that
   * does not take is asked again, and in the end fails the step (so it is retried, and the run records it).
   */
  async cancel(run: RunContext, job: JobRef): Promise<void> {
    const policy = this.deps.stopPolicy ?? DEFAULT_STOP_POLICY;
    let runtime = await this.deps.hub.spaceRuntime(job.jobId);
    for (let pause = 1; needsStopping(runtime) && pause <= policy.pauses; pause++) {
      runtime = await this.deps.hub.pauseSpace(job.jobId);
      for (let check = 1; needsStopping(runtime) && check <= policy.checks; check++) {
        await new Promise((r) => setTimeout(r, policy.checkEveryMs));
        runtime = await this.deps.hub.spaceRuntime(job.jobId);
      }
    }
    if (needsStopping(runtime)) {
      throw new StopNotConfirmedError(
        `asked the Hub ${policy.pauses} times to pause the training Space ${job.jobId}, but it is still ` +
          `${runtime!.stage}: it may still be running (and billing)`,
      );
    }
    await this.deleteStaging(run, this.projectNameOf(job.jobId));
  }

  /** What a failure notice must say about a job that may still run (or nothing when it is stopped or gone). */
  async stillRunning(run: RunContext, job: JobRef): Promise<string | undefined> {
    const runtime = await this.deps.hub.spaceRuntime(job.jobId);
    if (!needsStopping(runtime)) return undefined;
    return describeUnstopped(job.jobId, runtime!, this.deps.hub.webUrl({ type: 'space', name: job.jobId }));
  }

  async cleanup(run: RunContext, project: ProjectRef): Promise<void> {
    await this.deleteStaging(run, project.projectName);
    if (!this.options.cleanup || !project.projectId) return;
    await this.deps.hub.deleteRepo({ type: 'space', name: project.projectId });
  }

  private jobRef(run: RunContext, project: ProjectRef): JobRef {
    return {
      jobId: project.projectId ?? trainingSpaceId(run.pipeline.target_namespace, project.projectName),
      links: project.links,
      outputModel: `${run.pipeline.target_namespace}/${project.projectName}`,
    };
  }

  private async deleteStaging(run: RunContext, projectName: string): Promise<void> {
    await this.deps.hub.deleteRepo({
      type: 'dataset',
      name: stagingRepoId(run.pipeline.target_namespace, projectName),
    });
  }

  /** `<user>/autotrain-<project>` -> `<project>`. */
  private projectNameOf(jobId: string): string {
    return (jobId.split('/')[1] ?? jobId).replace(/^autotrain-/, '');
  }

  private cacheDir(): string {
    return resolve(this.deps.stateDir, 'hub-cache');
  }

  private snapshot(dataset: string, sha: string): Promise<string> {
    return downloadHubSnapshot(dataset, sha, {
      hubUrl: this.deps.hub.endpoint,
      token: this.deps.hfToken,
      cacheDir: this.cacheDir(),
      fetch: this.deps.fetch,
    });
  }

  /** Logs are a convenience: a failure to read them is no answer, never an error. */
  async logTail(_run: RunContext, job: JobRef): Promise<string[] | undefined> {
    try {
      return logTailOf(await this.client().logs(job.jobId));
    } catch {
      return undefined;
    }
  }

  private token(): string {
    return requireHfToken(this.deps.hfToken, 'the AutoTrain backend needs a Hugging Face write token');
  }

  private client(): AutotrainClient {
    const apiUrl = (this.options.api_url ?? this.deps.autotrainApiUrl ?? DEFAULT_AUTOTRAIN_API_URL).replace(/\/+$/, '');
    return new AutotrainClient(apiUrl, this.token(), this.deps.fetch);
  }
}

/** A stop the Hub did not carry out (yet): retryable, unlike a refusal. */
export class StopNotConfirmedError extends Error {
  override readonly name = 'StopNotConfirmed';
}

function describeUnstopped(spaceId: string, runtime: SpaceRuntime, url: string): string {
  return `the training Space ${spaceId} is still ${runtime.stage}: it could not be paused; pause or delete it at ${url}/settings`;
}
