/**
 * The activities: thin, typed adapters between the workflows and a backend or the Hub. Each one is safe
 * to retry: the backends and the Hub client look for what an earlier attempt already did.
 */
import { Context, log } from '@temporalio/activity';
import { Runtime } from '@temporalio/worker';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { createBackends } from '../backends';
import { JobsWatch } from '../backends/hf-jobs/jobs-watch';
import {
  isTerminal,
  type DataRef,
  type JobRef,
  type ProjectRef,
  type RunContext,
  type TrainingStatus,
} from '../backends/types';
import type { ActivityDeps } from './deps';
import { isLocalDataset, type PipelineSpec } from '../config/config-schema';
import { folderRevision } from '../datasets/local-folder';
import { HubClient } from '../hub/hub-client';
import { ModelRegistry } from '../registry/model-registry';
import { renderAnnouncement, type Announcement, type AnnouncementContext } from './announcements';
import { classifyFailures } from './failures';
import { createDeployActivities } from './deploy-activities';
import { createDataCheckActivities } from './data-checks';
import { createOutcomeActivities } from './outcome-activities';
import { createBudgetActivities } from './budget-activities';
import { createSameRowsActivities } from './same-rows-activities';
import { STILL_TRAINING, type TrainingEnded, type TrainingWait } from '../workflows/definitions';
import { nextCheckDelay } from './check-schedule';

export type { ActivityDeps } from './deps';

/** What a compensation did: nothing, and why, when `skipped` is set. */
export interface CompensationResult {
  skipped?: string;
}

export interface Posted {
  num?: number;
  url?: string;
  reused: boolean;
  /** Not posted: the dataset has no Community tab (a local folder) or the pipeline turned it off. */
  skipped?: boolean;
}

export function createActivities(deps: ActivityDeps) {
  const hub = new HubClient({ endpoint: deps.hubEndpoint, token: deps.hfToken, fetch: deps.fetch });
  const backendFor = createBackends({
    ...deps,
    hub,
    notices: {
      temporal: deps.temporal,
      receiverUrl: deps.publicUrl,
      webhookSecret: deps.webhookSecret,
      jobsWatch: deps.tellRun && new JobsWatch({ tell: deps.tellRun, onError: warnJobsWatch }),
    },
  });
  const context: AnnouncementContext = {
    hubUrl: deps.hubEndpoint,
    temporalUiUrl: deps.temporalUiUrl,
    namespace: deps.namespace,
    publicUrl: deps.publicUrl,
  };

  const registry = new ModelRegistry(deps.modelsDir);
  const outcomes = createOutcomeActivities({ ...deps, registry, context });
  const deploys = createDeployActivities({ ...deps, registry, receiverUrl: deps.receiverUrl ?? deps.publicUrl });
  const dataChecks = createDataCheckActivities({
    stateDir: deps.stateDir,
    hubUrl: deps.hubEndpoint,
    token: deps.hfToken,
    fetch: deps.fetch,
    registry,
  });

  /**
   * A failure or cancellation notice says the job was stopped only when it was: the backend is asked now, after
   * the compensation, whether the job still runs (a stop may have been refused or not have taken).
   */
  async function jobLeftRunning(announcement: Announcement): Promise<string | undefined> {
    if ((announcement.kind !== 'failed' && announcement.kind !== 'cancelled') || !announcement.jobId) return undefined;
    const backend = backendFor(announcement.pipeline);
    if (!backend.stillRunning) return undefined;
    const run = { pipeline: announcement.pipeline, revision: announcement.revision, attempt: 1 };
    try {
      return await backend.stillRunning(run, { jobId: announcement.jobId, links: announcement.links });
    } catch (err) {
      return `whether the training job ${announcement.jobId} stopped could not be checked (${(err as Error).message})`;
    }
  }

  return classifyFailures({
    ...outcomes,
    ...createBudgetActivities(backendFor),
    ...deploys,
    ...createSameRowsActivities(deps),
    ...dataChecks,

    /**
     * What to train: the commit main points at now, or a local folder's content hash (the workflow falls
     * back to the delivered revision if this fails).
     */
    async resolveRevision(input: { pipeline: PipelineSpec; revision?: string }): Promise<{ revision: string }> {
      const { pipeline } = input;
      const revision =
        isLocalDataset(pipeline) && pipeline.local_path
          ? await folderRevision(pipeline.local_path)
          : await hub.datasetRevisionSha(pipeline.input_dataset, 'main');
      if (input.revision && input.revision !== revision) {
        log.info('main has moved past the delivered revision', { delivered: input.revision, head: revision });
      }
      return { revision };
    },

    async createProject(run: RunContext): Promise<ProjectRef> {
      return backendFor(run.pipeline).createProject(run);
    },

    async addData(run: RunContext, project: ProjectRef): Promise<DataRef> {
      return backendFor(run.pipeline).addData(run, project);
    },

    async startProcessing(run: RunContext, project: ProjectRef, data: DataRef): Promise<JobRef> {
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      const job = await backendFor(run.pipeline).start(run, project, data, workflowId ? { workflowId } : undefined);
      log.info(job.reused ? 'found the job an earlier attempt started' : 'training job started', { jobId: job.jobId });
      return job;
    },

    /**
     * One status check of a job that should end: the final status once it has ended (with the log tail, read
     * once); while it runs, a retryable, benign STILL_TRAINING failure carrying what the backend said, which the
     * run's retry policy turns into the next check (and which the status API and the Web UI show as the last
     * failure). The failure says when that check comes (`nextRetryDelay`, check-schedule.ts): sooner while the
     * training is young, at the pipeline's poll interval where nothing tells the run of the end, and only as a
     * safety net where something does (`wait.listening`: the run acts on trainingEnded notices).
     */
    async awaitTraining(run: RunContext, job: JobRef, wait?: TrainingWait): Promise<TrainingEnded> {
      const backend = backendFor(run.pipeline);
      const info = Context.current().info;
      // A first attempt (the run's first check, or the one it makes at once when told of the end) asks the service.
      const status = await backend.status(run, job, { fresh: info.attempt === 1 });
      if (isTerminal(status.state)) {
        const logTail = status.logTail ?? (await backend.logTail(run, job).catch(() => undefined));
        return { ...status, ...(logTail ? { logTail } : {}), checks: info.attempt };
      }
      const now = Date.now();
      const next = {
        ageMs: Math.max(0, now - (wait ? Date.parse(wait.trainingStartedAt) : info.scheduledTimestampMs)),
        pollIntervalMs: run.pipeline.poll_interval_seconds * 1000,
        untilDeadlineMs:
          info.scheduleToCloseTimeoutMs > 0
            ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs - now
            : undefined,
        schedule: deps.checkSchedule,
      };
      // As soon as this run would see the end by checking; a backend that tells it aims for that too.
      const pace = nextCheckDelay({ ...next, told: false });
      const workflowId = info.workflowExecution?.workflowId;
      const told =
        wait?.listening === true &&
        workflowId !== undefined &&
        (await backend.tellsWhenDone(run, job, { workflowId, withinMs: pace }));
      const delay = told ? nextCheckDelay({ ...next, told: true }) : pace;
      const still = ApplicationFailure.create({
        type: STILL_TRAINING,
        message: stillTrainingMessage(status),
        details: [status],
        nonRetryable: false,
        category: ApplicationFailureCategory.BENIGN,
        nextRetryDelay: delay,
      });
      // Not an error: no stack trace for the Web UI's "last failure", and none to format on every check.
      still.stack = `${STILL_TRAINING}: ${still.message}`;
      throw still;
    },

    /**
     * Stops the run's job. Without its id (the run never learnt it: the start's answer was lost), stops the
     * job the backend finds for this run, if there is one.
     */
    async stopTraining(run: RunContext, job?: JobRef, project?: ProjectRef): Promise<CompensationResult> {
      const backend = backendFor(run.pipeline);
      const target = job ?? (project ? await backend.findJob(run, project) : undefined);
      if (!target) {
        log.info('no training job to stop: the start made none');
        return { skipped: 'no job' };
      }
      await backend.cancel(run, target);
      if (!job) log.info('stopped the job the start made without reporting it', { jobId: target.jobId });
      return {};
    },

    /** Removes what createProject made when the pipeline asks for it (`backend.cleanup`); otherwise nothing. */
    async cleanupProject(run: RunContext, project: ProjectRef): Promise<CompensationResult> {
      const backend = run.pipeline.backend;
      if (!('cleanup' in backend) || !backend.cleanup) return { skipped: 'backend.cleanup is off' };
      await backendFor(run.pipeline).cleanup(run, project);
      return {};
    },

    /** Posts on the dataset's Community tab, once per pipeline, revision and outcome. */
    async notify(announcement: Announcement): Promise<Posted> {
      const { pipeline } = announcement;
      if (isLocalDataset(pipeline) || pipeline.notify?.discussions === false) {
        log.info('outcome recorded (no Community tab for this pipeline)', {
          kind: announcement.kind,
          pipeline: pipeline.name,
        });
        return { reused: false, skipped: true };
      }
      const leftRunning = await jobLeftRunning(announcement);
      const { title, description } = renderAnnouncement({ ...announcement, leftRunning }, context);
      const posted = await hub.postDiscussionOnce(
        { type: 'dataset', name: announcement.pipeline.input_dataset },
        title,
        description,
      );
      log.info(posted.reused ? 'announcement already posted' : 'announcement posted', {
        kind: announcement.kind,
        url: posted.url,
      });
      return posted;
    },
  });
}

export type RetrainActivities = ReturnType<typeof createActivities>;

/** The shared Jobs check runs outside any activity: its failures go to the worker's log (it tries again). */
function warnJobsWatch(err: unknown, namespace: string): void {
  Runtime.instance().logger.warn('the shared check of Hugging Face jobs failed; trying again at the next interval', {
    namespace,
    error: (err as Error)?.message ?? String(err),
  });
}

/** "still training: running (training), 42%: step 420/1000", for the Web UI's pending activity. */
function stillTrainingMessage(status: TrainingStatus): string {
  const stage = status.stage && status.stage !== status.state ? `${status.state} (${status.stage})` : status.state;
  const pct = status.progress !== undefined ? `, ${Math.round(status.progress * 100)}%` : '';
  return `still training: ${stage}${pct}${status.message ? `: ${status.message}` : ''}`;
}
