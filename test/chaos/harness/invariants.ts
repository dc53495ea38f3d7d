/**
 * The invariants a chaos scenario must keep, checked after the dust settles from the fakes' own records
 * (projects and jobs created, their state, discussions by title) and from Temporal (visibility, describe, the
 * pipeline's state query) — never from our processes' logs.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { RUN_NAME_REVISION_DIGITS } from '../../../src/backends/types';
import {
  pipelineStateQuery,
  pipelineWorkflowId,
  RetrainStage,
  type PipelineState,
} from '../../../src/workflows/definitions';
import type { DeliveryRecord } from './deliveries';
import type { ChaosEnv, PipelineUnderTest } from './stack';
import { eventually } from '../../helpers/temporal';

export interface InvariantResult {
  name: string;
  held: boolean;
  /** What was seen, in a few words (the failures in full). */
  detail: string;
}

/** One execution of `retrain:<pipeline>:<revision>`, described by Temporal. */
interface RetrainRun {
  workflowId: string;
  revision: string;
  status: string;
  outcome?: string;
  jobId?: string;
  stage?: string;
}

/** A training job at the backend, from the fake's records. */
interface BackendJob {
  id: string;
  /** The revision it trains, as far as its name or labels tell (a 7-character prefix for AutoTrain). */
  revision: string;
  running: boolean;
}

export const INVARIANTS = {
  terminal: 'every acknowledged delivery reached a terminal state',
  oneJob: 'exactly one training job per revision',
  oneNotice: 'exactly one notification per revision and outcome',
  compensated: 'compensation ran for every failed run',
  notStuck: 'no workflow is stuck',
  nothingRunning: 'no training job left running',
} as const;

const AUTOTRAIN_ENDED = new Set(['PAUSED', 'STOPPED', 'SLEEPING', 'DELETING']);
const JOB_ENDED = new Set(['COMPLETED', 'CANCELED', 'ERROR', 'DELETED']);

export async function retrainRuns(client: Client, pipeline: string): Promise<RetrainRun[]> {
  const runs: RetrainRun[] = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'RetrainWorkflow' AND RetrainPipeline = '${pipeline}'`,
  })) {
    // Describe is authoritative (visibility may lag a little behind the execution).
    const d: WorkflowExecutionDescription = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    const memo = (d.memo ?? {}) as { outcome?: string; jobId?: string };
    runs.push({
      workflowId: d.workflowId,
      revision: d.workflowId.split(':').pop() ?? '',
      status: d.status.name,
      outcome: memo.outcome,
      jobId: memo.jobId,
      stage: d.typedSearchAttributes.get(RetrainStage),
    });
  }
  return runs;
}

export async function pipelineState(client: Client, pipeline: string): Promise<PipelineState> {
  return client.workflow.getHandle(pipelineWorkflowId(pipeline)).query(pipelineStateQuery);
}

/**
 * The updates a pipeline must have counted for these acknowledged deliveries: one per revision. The receiver
 * answers duplicates that arrive while the same pipeline and revision is being recorded from that one signal
 * (src/server/common/in-flight.ts), each only once Temporal holds it, so copies of a revision may count once.
 */
function updatesOwed(acked: DeliveryRecord[]): number {
  return new Set(acked.map((d) => `${d.pipeline}\n${d.revision}`)).size;
}

/**
 * Waits until every pipeline is idle (its workflow running, no active run, nothing waiting, an update counted
 * for every acknowledged revision) and every RetrainWorkflow it started is closed. False if that never happens.
 */
export async function settle(
  env: ChaosEnv,
  pipelines: PipelineUnderTest[],
  deliveries: DeliveryRecord[],
  timeoutMs = 180_000,
): Promise<{ settled: boolean; why?: string }> {
  try {
    await eventually(
      async () => {
        for (const p of pipelines) {
          const acked = updatesOwed(deliveries.filter((d) => d.pipeline === p.name && d.status === 202));
          if (acked === 0) continue;
          const handle = env.client.workflow.getHandle(pipelineWorkflowId(p.name));
          const described = await handle.describe();
          if (described.status.name !== 'RUNNING') throw new Error(`${p.name}: pipeline is ${described.status.name}`);
          const state = await pipelineState(env.client, p.name);
          if (state.active || state.waiting || state.counters.updates < acked) {
            throw new Error(
              `${p.name}: active ${state.active?.revision ?? '-'}, waiting ${state.waiting?.revision ?? '-'}, ${state.counters.updates}/${acked} updates`,
            );
          }
          const open = (await retrainRuns(env.client, p.name)).filter((r) => r.status === 'RUNNING');
          if (open.length > 0) throw new Error(`${p.name}: ${open.map((r) => r.workflowId).join(', ')} still running`);
        }
        return true;
      },
      timeoutMs,
      'every pipeline idle and every retrain closed',
      1000,
    );
    return { settled: true };
  } catch (err) {
    return { settled: false, why: (err as Error).message };
  }
}

/** An AutoTrain project name: `<prefix, cut to fit>-<the revision's first digits>[-r<attempt>]` (runNameSuffix). */
const PROJECT_REVISION = new RegExp(`-([0-9a-f]{${RUN_NAME_REVISION_DIGITS}})(?:-r\\d+)?$`);

function backendJobs(env: ChaosEnv, p: PipelineUnderTest): BackendJob[] {
  if (p.backend === 'autotrain') {
    return [...(p.autotrain?.projects.values() ?? [])].map((project) => {
      const stage = env.hub.spaceStage(project.jobId);
      return {
        id: project.jobId,
        revision: PROJECT_REVISION.exec(project.projectName)?.[1] ?? '',
        running: stage !== undefined && !AUTOTRAIN_ENDED.has(stage),
      };
    });
  }
  return env.jobs.jobsLabelled({ 'retrain-pipeline': p.name }).map((job) => ({
    id: job.id,
    revision: job.request.labels?.['retrain-revision'] ?? '',
    running: !JOB_ENDED.has(job.stage),
  }));
}

/** The announcement title's wording for each outcome (see src/activities/announcements.ts). */
function noticeMatcher(name: string, revision: string, outcome: string): (title: string) => boolean {
  const sha = revision.slice(0, 7);
  const wording: Record<string, string> = {
    succeeded: `${name} retrained on ${sha}`,
    failed: `${name} failed to retrain on ${sha}`,
    cancelled: `${name} retraining on ${sha} was cancelled`,
    rejected: `${name} was not retrained on ${sha}`,
  };
  const expected = wording[outcome] ?? `${outcome}?`;
  return (title) => title.includes('[hub-retrain]') && title.includes(expected);
}

const sameRevision = (job: BackendJob, revision: string) =>
  job.revision.length === RUN_NAME_REVISION_DIGITS ? revision.startsWith(job.revision) : job.revision === revision;

/** Checks every invariant for these pipelines; `settled` comes from settle(). */
export async function checkInvariants(
  env: ChaosEnv,
  pipelines: PipelineUnderTest[],
  deliveries: DeliveryRecord[],
  settled: { settled: boolean; why?: string },
): Promise<{ runs: number; results: InvariantResult[] }> {
  const problems: Record<keyof typeof INVARIANTS, string[]> = {
    terminal: [],
    oneJob: [],
    oneNotice: [],
    compensated: [],
    notStuck: settled.settled ? [] : [settled.why ?? 'did not settle'],
    nothingRunning: [],
  };
  let runCount = 0;
  let failedRuns = 0;
  let notices = 0;
  let jobCount = 0;
  const names = new Set(pipelines.map((p) => p.name));
  const acked = deliveries.filter((d) => d.status === 202 && names.has(d.pipeline));

  for (const p of pipelines) {
    const runs = await retrainRuns(env.client, p.name);
    runCount += runs.length;
    const mine = acked.filter((d) => d.pipeline === p.name);
    let state: PipelineState | undefined;
    if (mine.length > 0) {
      try {
        state = await pipelineState(env.client, p.name);
      } catch (err) {
        problems.notStuck.push(`${p.name}: no state (${(err as Error).message})`);
      }
    }

    // Every acknowledged delivery: recorded, and its revision trained (run closed) or superseded.
    if (state && state.counters.updates < updatesOwed(mine))
      problems.terminal.push(
        `${p.name}: ${mine.length} acknowledged (${updatesOwed(mine)} revisions), ${state.counters.updates} recorded`,
      );
    for (const revision of new Set(mine.map((d) => d.revision))) {
      const closed = runs.some((r) => r.revision === revision && r.status !== 'RUNNING');
      const superseded = state?.superseded.some((s) => s.revision === revision) ?? false;
      if (!closed && !superseded)
        problems.terminal.push(`${p.name}@${revision.slice(0, 7)}: no closed run, not superseded`);
    }

    // Jobs at the backend: one per run that started one, none otherwise, none left running.
    const jobs = backendJobs(env, p);
    jobCount += jobs.length;
    const revisions = new Set([...runs.map((r) => r.revision), ...mine.map((d) => d.revision)]);
    for (const revision of revisions) {
      const started = runs.filter((r) => r.revision === revision && r.jobId).length;
      const found = jobs.filter((j) => sameRevision(j, revision));
      if (found.length !== started)
        problems.oneJob.push(
          `${p.name}@${revision.slice(0, 7)}: ${found.length} job(s) at the backend, ${started} run(s) started one`,
        );
    }
    for (const job of jobs) {
      if (job.running) problems.nothingRunning.push(`${p.name}: job ${job.id} is still running`);
      if (![...revisions].some((r) => sameRevision(job, r)))
        problems.oneJob.push(`${p.name}: job ${job.id} for revision ${job.revision}, which no run trains`);
    }
    for (const run of runs) {
      if (run.jobId && !jobs.some((j) => j.id === run.jobId))
        problems.oneJob.push(`${run.workflowId}: job ${run.jobId} is unknown to the backend`);
    }

    // Announcements: each title once; one per run's outcome.
    const titles = env.hub
      .discussionsOf('dataset', p.dataset)
      .map((d) => d.title)
      .filter((t) => t.includes('[hub-retrain]'));
    notices += titles.length;
    const counts = new Map<string, number>();
    for (const t of titles) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [title, n] of counts) if (n > 1) problems.oneNotice.push(`"${title}" posted ${n} times`);
    for (const run of runs.filter((r) => r.status !== 'RUNNING')) {
      if (!run.outcome) {
        problems.oneNotice.push(`${run.workflowId}: closed (${run.status}) without an outcome`);
        continue;
      }
      const matching = titles.filter(noticeMatcher(p.name, run.revision, run.outcome));
      if (matching.length !== 1)
        problems.oneNotice.push(`${run.workflowId}: ${matching.length} "${run.outcome}" notices`);
    }

    // Compensation: every run that did not succeed ended compensated, with its job stopped.
    for (const run of runs.filter((r) => r.status !== 'RUNNING' && r.outcome !== 'succeeded')) {
      failedRuns += 1;
      if (run.stage !== 'compensated') problems.compensated.push(`${run.workflowId}: stage ${run.stage ?? '-'}`);
      const job = jobs.find((j) => j.id === run.jobId);
      if (job?.running) problems.compensated.push(`${run.workflowId}: job ${job.id} not stopped`);
    }
  }

  const summary: Record<keyof typeof INVARIANTS, string> = {
    terminal: `${acked.length} acknowledged`,
    oneJob: `${jobCount} job(s)`,
    oneNotice: `${notices} notice(s)`,
    compensated: `${failedRuns} failed run(s)`,
    notStuck: 'all closed and idle',
    nothingRunning: 'none running',
  };
  const results = (Object.keys(INVARIANTS) as Array<keyof typeof INVARIANTS>).map((key) => ({
    name: INVARIANTS[key],
    held: problems[key].length === 0,
    detail: problems[key].length === 0 ? summary[key] : problems[key].join('; '),
  }));
  return { runs: runCount, results };
}
