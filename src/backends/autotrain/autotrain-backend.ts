import type { AutotrainBackendOptions } from '../../config/backends';
import { HttpError, MissingCredentialsError } from '../../http/http-error';
import type { HubClient } from '../../hub/hub-client';
import {
  runNameSuffix,
  type DataRef,
  type JobRef,
  type ProjectRef,
  type RunContext,
  type TrainingBackend,
  type TrainingStatus,
} from '../types';
import { AutotrainClient } from './autotrain-client';
import { autotrainState, needsStopping, outcomeMayBePosted } from './runtime-status';

/** The public AutoTrain Advanced Space; point `backend.api_url` or AUTOTRAIN_API_URL at your own `autotrain app`. */
export const DEFAULT_AUTOTRAIN_API_URL = 'https://autotrain-projects-autotrain-advanced.hf.space';
const LOG_TAIL = 20;

export interface AutotrainBackendDeps {
  hub: HubClient;
  token?: string;
  /** AUTOTRAIN_API_URL, used when the pipeline names no `api_url`. */
  defaultApiUrl?: string;
  fetch?: typeof fetch;
}

/** AutoTrain project names: letters, digits and "-", at most 50; unique per pipeline, revision and attempt. */
export function autotrainProjectName(run: RunContext): string {
  const suffix = runNameSuffix(run);
  return `${run.pipeline.autotrain_project_prefix.slice(0, 50 - suffix.length)}${suffix}`;
}

/**
 * AutoTrain Advanced behind the five steps. create_project both creates the training Space and starts it,
 * so it is the start step (after approval); createProject reserves the deterministic name and checks the
 * server answers; addData pins the dataset commit. Every step first looks for what an earlier attempt made.
 */
export class AutotrainBackend implements TrainingBackend {
  readonly type = 'autotrain';

  constructor(private readonly deps: AutotrainBackendDeps) {}

  async createProject(run: RunContext): Promise<ProjectRef> {
    await this.client(run).version();
    const projectName = autotrainProjectName(run);
    const projectId = `${run.pipeline.target_namespace}/autotrain-${projectName}`;
    return {
      projectName,
      projectId,
      links: {
        job: this.deps.hub.webUrl({ type: 'space', name: projectId }),
        model: this.deps.hub.webUrl({ type: 'model', name: `${run.pipeline.target_namespace}/${projectName}` }),
      },
    };
  }

  async addData(run: RunContext, _project: ProjectRef): Promise<DataRef> {
    const options = this.options(run);
    // Fails with RevisionNotFound when the commit does not exist (or is not visible to the token).
    const sha = await this.deps.hub.datasetRevisionSha(run.pipeline.input_dataset, run.revision);
    const detail: Record<string, string> = { train_split: options.train_split };
    if (options.valid_split) detail.valid_split = options.valid_split;
    return { dataset: run.pipeline.input_dataset, revision: sha, detail };
  }

  async start(run: RunContext, project: ProjectRef, data: DataRef): Promise<JobRef> {
    const existing = await this.findJob(run, project);
    if (existing) return { ...existing, reused: true };
    const { jobId: projectId, links, outputModel } = this.jobRef(run, project);
    const options = this.options(run);
    try {
      const created = await this.client(run).createProject({
        project_name: project.projectName,
        task: run.pipeline.task,
        base_model: run.pipeline.input_model,
        hardware: options.hardware,
        params: options.params,
        username: run.pipeline.target_namespace,
        ...(options.column_mapping ? { column_mapping: options.column_mapping } : {}),
        hub_dataset: data.dataset,
        train_split: options.train_split,
        ...(options.valid_split ? { valid_split: options.valid_split } : {}),
      });
      return { jobId: created.job_id || projectId, links, outputModel };
    } catch (err) {
      // The first attempt may have created the Space before its answer was lost.
      const created = err instanceof HttpError ? await this.findJob(run, project) : undefined;
      if (created) return { ...created, reused: true };
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
    const titles = outcomeMayBePosted(runtime)
      ? (await this.deps.hub.listDiscussions({ type: 'space', name: job.jobId })).map((d) => d.title)
      : [];
    const { state, message } = autotrainState(runtime, titles);
    return {
      state,
      stage: runtime?.stage ?? 'MISSING',
      message,
      links: job.links,
      model: state === 'succeeded' ? job.outputModel : undefined,
      logTail: await this.logTail(run, job.jobId),
    };
  }

  async cancel(run: RunContext, job: JobRef): Promise<void> {
    if (!needsStopping(await this.deps.hub.spaceRuntime(job.jobId))) return;
    await this.client(run).stopTraining(job.jobId);
  }

  async cleanup(run: RunContext, project: ProjectRef): Promise<void> {
    if (!this.options(run).cleanup || !project.projectId) return;
    await this.deps.hub.deleteRepo({ type: 'space', name: project.projectId });
  }

  private jobRef(run: RunContext, project: ProjectRef): JobRef {
    return {
      jobId: project.projectId ?? `${run.pipeline.target_namespace}/autotrain-${project.projectName}`,
      links: project.links,
      outputModel: `${run.pipeline.target_namespace}/${project.projectName}`,
    };
  }

  /** Logs are a convenience: a failure to read them never fails a poll. */
  private async logTail(run: RunContext, jobId: string): Promise<string[] | undefined> {
    try {
      const text = await this.client(run).logs(jobId);
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-LOG_TAIL);
    } catch {
      return undefined;
    }
  }

  private options(run: RunContext): AutotrainBackendOptions {
    if (run.pipeline.backend.type !== 'autotrain')
      throw new Error(`pipeline ${run.pipeline.name} is not an AutoTrain pipeline`);
    return run.pipeline.backend;
  }

  private client(run: RunContext): AutotrainClient {
    if (!this.deps.token) {
      throw new MissingCredentialsError('HF_TOKEN is not set: the AutoTrain backend needs a Hugging Face write token');
    }
    const apiUrl = (this.options(run).api_url ?? this.deps.defaultApiUrl ?? DEFAULT_AUTOTRAIN_API_URL).replace(
      /\/+$/,
      '',
    );
    return new AutotrainClient(apiUrl, this.deps.token, this.deps.fetch);
  }
}
