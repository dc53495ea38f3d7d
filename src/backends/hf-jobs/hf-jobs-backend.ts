import { HF_JOBS_RUN_LABELS, type HfJobsBackendOptions } from '../../config/backends';
import { isTransient, requireHfToken } from '../../http/http-error';
import { cancelJob, runOnce, type CancelPolicy } from './job-lifecycle';
import { hubFetch } from '../../hub/hub-fetch';
import { priceFromJobsList, priceFromTable, tablesSearched } from '../../budget/hardware-prices';
import type { Price } from '../../budget/cost-math';
import { LOG_TAIL_LINES, PipelineBackend } from '../types';
import { PermanentBackendError } from '../../errors';
import type { DataRef, JobRef, NoticeTarget, ProjectRef, RunContext, TrainingBackend, TrainingStatus } from '../types';
import type { BackendDeps } from '../deps';
import { withEndNotice, type EndNotice } from './end-notice';
import { JobsClient, type JobInfo } from './jobs-client';
import { countsAsStarted, isTerminalStage, jobState } from './job-stage';
import { jobNamespace, jobRequest, outputRepo, pushesToOutputRepo, runLabels, runName } from './job-request';
import { ModelRegistry } from '../../registry/model-registry';
import { readPushedModel } from './model-metrics';

/** `notices.jobsWatch`: the worker's shared check of waiting jobs (jobs-watch.ts); without it each run checks its own job. */
export type HfJobsBackendDeps = Pick<BackendDeps, 'hub' | 'hfToken' | 'fetch' | 'notices'> & {
  /** The model registry's folder: where the job learns which model is in service (measured on the same rows). */
  modelsDir?: string;
  /** Per request to the Jobs API (default 30 s). */
  timeoutMs?: number;
  /** How long a cancel waits to see the job end: stage reads and the pause between them. */
  cancelPolicy?: CancelPolicy;
};

/**
 * Hugging Face Jobs behind the five steps. A run's job carries labels derived from the RunContext
 * (pipeline, revision, attempt), so every step can find what an earlier attempt of it did: createProject
 * reserves the run and checks the namespace is reachable, addData pins the dataset commit, start adopts a
 * job of this run that is still going (or completed) before it runs a new one, status follows the stage and
 * the log, cancel stops a job that has not ended.
 */
export class HfJobsBackend extends PipelineBackend<HfJobsBackendDeps, HfJobsBackendOptions> implements TrainingBackend {
  readonly type = 'hf-jobs';

  async createProject(run: RunContext): Promise<ProjectRef> {
    const { client, namespace } = this.context(run);
    const existing = await this.findRunJob(client, namespace, run);
    const model = this.deps.hub.webUrl({ type: 'model', name: outputRepo(run) });
    return {
      projectName: runName(run),
      links: existing ? { job: client.jobPage(existing.owner?.name ?? namespace, existing.id), model } : { model },
    };
  }

  async addData(run: RunContext, _project: ProjectRef): Promise<DataRef> {
    // A commit that does not exist (or that the token cannot see) is the Hub's 404: a non-retryable HttpClientError.
    const sha = await this.deps.hub.datasetRevisionSha(run.pipeline.input_dataset, run.revision);
    return { dataset: run.pipeline.input_dataset, revision: sha };
  }

  async start(run: RunContext, project: ProjectRef, data: DataRef, notify?: NoticeTarget): Promise<JobRef> {
    const { client, namespace } = this.context(run);
    const adopt = (job: JobInfo, reused: boolean): JobRef => ({
      ...this.jobRef(run, project, job),
      ...(reused ? { reused } : {}),
    });
    const { job, reused } = await runOnce(
      client,
      namespace,
      () => this.request(run, data, notify),
      () => this.findRunJob(client, namespace, run),
    );
    return adopt(job, reused);
  }

  /** The job labelled with this run that is still going (or completed). */
  async findJob(run: RunContext, project: ProjectRef): Promise<JobRef | undefined> {
    const { client, namespace } = this.context(run);
    const job = await this.findRunJob(client, namespace, run);
    return job && this.jobRef(run, project, job);
  }

  /** The watch's shared answer while it lists the job as running (unless `fresh`); the job itself otherwise. */
  async status(run: RunContext, job: JobRef, options: { fresh?: boolean } = {}): Promise<TrainingStatus> {
    const { client, namespace } = this.context(run);
    const shared = options.fresh ? undefined : this.deps.notices?.jobsWatch?.answer(namespace, job.jobId);
    const info = shared ?? (await client.get(namespace, job.jobId));
    if (!info) return { state: 'failed', stage: 'MISSING', message: 'the job no longer exists', links: job.links };
    const { state, message } = jobState(info.status);
    const status: TrainingStatus = { state, stage: info.status.stage, message, links: job.links };
    if (state === 'succeeded' && job.outputModel) {
      const since = new Date(info.startedAt ?? info.createdAt ?? 0);
      const access = { hubUrl: this.deps.hub.endpoint, accessToken: this.token(), fetch: hubFetch(this.deps.fetch) };
      try {
        const pushed = await readPushedModel(job.outputModel, since, access);
        if (pushed.pushed) Object.assign(status, { model: job.outputModel, metrics: pushed.metrics });
      } catch (err) {
        if (isTransient(err)) throw err; // the check is retried
        // The training did succeed; an unreadable model repo must not turn it into a failure.
        status.message = `the job completed, but its model repo could not be read: ${(err as Error).message}`;
      }
    }
    return status;
  }

  /**
   * A scheduled job has printed nothing yet, and reading its (open) stream would only wait. Logs are a
   * convenience: failing to read them is no answer, never an error.
   */
  async logTail(run: RunContext, job: JobRef): Promise<string[] | undefined> {
    const { client, namespace } = this.context(run);
    return client.logTail(namespace, job.jobId, LOG_TAIL_LINES).catch(() => undefined);
  }

  /**
   * The job posts its end to the receiver (when one is known: end-notice.ts); with the worker's watch, it is also
   * watched from now on, and its run told when it ends (the safety net for a notice that is lost).
   */
  async tellsWhenDone(run: RunContext, job: JobRef, notify: NoticeTarget): Promise<boolean> {
    const watch = this.deps.notices?.jobsWatch;
    if (!watch) return this.endNotice(notify) !== undefined;
    const { client, namespace } = this.context(run);
    const withinMs = notify.withinMs ?? run.pipeline.poll_interval_seconds * 1000;
    watch.register(client, namespace, job.jobId, notify.workflowId, withinMs);
    return true;
  }

  /**
   * Cancels a job that has not ended, and confirms it by the job's stage, not by the answer (whose body is not
   * part of the contract). A job still running after a while fails the step, which is retried (cancelling again).
   */
  async cancel(run: RunContext, job: JobRef): Promise<void> {
    const { client, namespace } = this.context(run);
    await cancelJob(client, namespace, job.jobId, this.deps.cancelPolicy);
  }

  /** What a failure notice must say about a job that has not ended (undefined once it has, or is gone). */
  async stillRunning(run: RunContext, job: JobRef): Promise<string | undefined> {
    const { client, namespace } = this.context(run);
    const info = await client.get(namespace, job.jobId);
    if (!info || isTerminalStage(info.status.stage)) return undefined;
    const page = client.jobPage(info.owner?.name ?? namespace, job.jobId);
    return `the job ${job.jobId} is still ${info.status.stage}: it could not be cancelled; cancel it with \`hf jobs cancel ${job.jobId}\` or at ${page}`;
  }

  /** The flavor's price, from the Hub's list; from the config's `prices` or the dated table when it does not name it. */
  async price(run: RunContext): Promise<Price> {
    const flavor = this.options.flavor;
    const fromHub = priceFromJobsList(await this.context(run).client.hardware(), flavor);
    const price = fromHub ?? priceFromTable(flavor, 60, run.pipeline.prices);
    if (!price) {
      throw new PermanentBackendError(
        `pipeline ${run.pipeline.name}: backend.flavor: no price for the Jobs flavor "${flavor}" (not in the Hub's list at /api/jobs/hardware, nor in ${tablesSearched(run.pipeline.prices)})`,
      );
    }
    return price;
  }

  /** The seconds the job ran, as the service counted them (undefined before it ran, or when it is gone). */
  async runSeconds(run: RunContext, job: JobRef): Promise<number | undefined> {
    const { client, namespace } = this.context(run);
    const info = await client.get(namespace, job.jobId);
    if (!info?.startedAt) return info ? 0 : undefined;
    if (typeof info.durations?.runningSecs === 'number') return info.durations.runningSecs;
    const end = info.finishedAt ? Date.parse(info.finishedAt) : Date.now();
    return Math.max(0, (end - Date.parse(info.startedAt)) / 1000);
  }

  /** Jobs leave nothing to clean up: the container is gone when the job ends, the model repo is the product. */
  async cleanup(_run: RunContext, _project: ProjectRef): Promise<void> {}

  /** The run's job request; with a receiver to tell, its command posts the end notice as it exits. */
  private request(run: RunContext, data: DataRef, notify: NoticeTarget | undefined) {
    const inService = this.deps.modelsDir
      ? new ModelRegistry(this.deps.modelsDir).currentPointer(run.pipeline.name)
      : undefined;
    const request = jobRequest(run, this.options, data, this.token(), inService);
    const notice = this.endNotice(notify);
    return notice ? withEndNotice(request, notice) : request;
  }

  private endNotice(notify: NoticeTarget | undefined): EndNotice | undefined {
    const { receiverUrl, webhookSecret } = this.deps.notices ?? {};
    if (!notify || !receiverUrl || !webhookSecret) return undefined;
    return { receiverUrl, webhookSecret, workflowId: notify.workflowId };
  }

  private jobRef(run: RunContext, project: ProjectRef, job: JobInfo): JobRef {
    const { client, namespace } = this.context(run);
    return {
      jobId: job.id,
      links: { ...project.links, job: client.jobPage(job.owner?.name ?? namespace, job.id) },
      outputModel: pushesToOutputRepo(this.options) ? outputRepo(run) : undefined,
    };
  }

  /** The newest job of this run that is still going or completed; failed or cancelled ones are not adopted. */
  private async findRunJob(client: JobsClient, namespace: string, run: RunContext): Promise<JobInfo | undefined> {
    const jobs = await client.list(namespace, { labels: runLabels(run) });
    // A job of another step of a run with these labels (AutoTrain's evaluation Job) is not the training.
    return jobs.find((job) => countsAsStarted(job.status.stage) && !job.labels?.[HF_JOBS_RUN_LABELS.step]);
  }

  private context(run: RunContext): { client: JobsClient; namespace: string } {
    const client = new JobsClient(this.deps.hub.endpoint, this.token(), this.deps.fetch, this.deps.timeoutMs);
    return { client, namespace: jobNamespace(run, this.options) };
  }

  private token(): string {
    return requireHfToken(this.deps.hfToken, 'the hf-jobs backend needs a token that can run jobs');
  }
}
