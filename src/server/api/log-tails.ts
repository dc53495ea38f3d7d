/**
 * The log tail of a run that is training, read when someone looks (GET /api/runs/:id, which `show`, `watch`
 * and the status page use), not at every status check: from the backend the run's pipeline names (the run's
 * folder for local runs, AutoTrain's logs API, the Jobs log stream). Answers are kept for a moment, so several
 * people watching one run, or `watch` every half second, read the backend once per moment.
 */
import { createBackends } from '../../backends';
import type { JobRef } from '../../backends/types';
import type { BackendDeps } from '../../backends/deps';
import type { PipelineSpec } from '../../config/config-schema';

export type LogTailReader = (pipeline: PipelineSpec, job: JobRef) => Promise<string[] | undefined>;

const KEEP_MS = 2_000;
const READ_TIMEOUT_MS = 3_000;

export function backendLogTails(deps: BackendDeps): LogTailReader {
  const backendFor = createBackends(deps);
  const recent = new Map<string, { at: number; lines: Promise<string[] | undefined> }>();
  return (pipeline, job) => {
    const key = `${pipeline.name}\n${job.jobId}`;
    const now = Date.now();
    for (const [k, v] of recent) if (now - v.at > KEEP_MS) recent.delete(k);
    const kept = recent.get(key);
    if (kept) return kept.lines;
    // The revision and attempt do not matter to a log read: the job id names the job.
    const run = { pipeline, revision: '', attempt: 1 };
    let timer: NodeJS.Timeout | undefined;
    const lines = Promise.race([
      backendFor(pipeline)
        .logTail(run, job)
        .catch(() => undefined),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    recent.set(key, { at: now, lines });
    return lines;
  };
}
