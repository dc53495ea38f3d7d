/**
 * Running one job per step, whatever the retries, and stopping it: shared by the hf-jobs backend's training job and
 * AutoTrain's evaluation Job (src/backends/autotrain/evaluation-job.ts). A step finds the job its earlier attempt ran
 * by the labels it computes again (`find`) before it runs a new one, and confirms a cancel by the job's stage.
 */
import { isTransient } from '../../http/http-error';
import { findUnansweredWrite, outcomeUnknown } from '../../http/unknown-outcome';
import type { JobInfo, JobsClient } from './jobs-client';
import type { JobRequest } from './job-request';
import { isTerminalStage } from './job-stage';

/** The job `find` returns (an earlier attempt's: `reused`), else a new one from `request`. */
export async function runOnce(
  client: JobsClient,
  namespace: string,
  request: () => JobRequest,
  find: () => Promise<JobInfo | undefined>,
): Promise<{ job: JobInfo; reused: boolean }> {
  const existing = await find();
  if (existing) return { job: existing, reused: true };
  try {
    return { job: await client.run(namespace, request()), reused: false };
  } catch (err) {
    // The job may exist although its answer was lost (a 5xx after the fact): look before failing. When the
    // request may still be under way (a timeout, a dropped connection, a gateway's 502/504), keep looking
    // for a while, or the retry would run a second job next to the one that turns up late.
    if (!isTransient(err)) throw err;
    const created = outcomeUnknown(err) ? await findUnansweredWrite(find) : await find().catch(() => undefined);
    if (created) return { job: created, reused: true };
    throw err;
  }
}

/** How long a cancel waits to see the job end: stage reads and the pause between them. */
export interface CancelPolicy {
  checks: number;
  checkEveryMs: number;
}

const DEFAULT_CANCEL_POLICY: CancelPolicy = { checks: 15, checkEveryMs: 1000 };

/**
 * Cancels a job that has not ended, and confirms it by the job's stage, not by the answer (whose body is not
 * part of the contract). A job still running after a while is an error (the caller's retry cancels again).
 */
export async function cancelJob(
  client: JobsClient,
  namespace: string,
  jobId: string,
  policy: CancelPolicy = DEFAULT_CANCEL_POLICY,
): Promise<void> {
  const stage = async () => (await client.get(namespace, jobId))?.status.stage;
  let current = await stage();
  if (current === undefined || isTerminalStage(current)) return;
  try {
    await client.cancel(namespace, jobId);
  } catch (err) {
    current = await stage();
    if (current === undefined || isTerminalStage(current)) return; // it ended meanwhile: nothing left to stop
    throw err;
  }
  for (let check = 0; check < policy.checks; check++) {
    current = await stage();
    if (current === undefined || isTerminalStage(current)) return;
    await new Promise((r) => setTimeout(r, policy.checkEveryMs));
  }
  throw new Error(`cancelled the job ${jobId}, but it is still ${current}: it may still be running (and billing)`);
}
