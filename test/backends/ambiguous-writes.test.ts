/**
 * Writes whose answer never arrives: the server got the request and does the work after our client gave up
 * (a slow Hub, a gateway timeout). The retry that follows must find that work, not do it a second time.
 * Found by the chaos suite ("backend times out").
 */
import { HfJobsBackend } from '../../src/backends/hf-jobs/hf-jobs-backend';
import type { RunContext } from '../../src/backends/types';
import { HubClient } from '../../src/hub/hub-client';
import type { FaultPlan } from '../fakes/faults';
import { jobsPipeline, startJobsFakes, type JobsStack } from '../helpers/jobs-stack';
import { backendOptions, TEST_TOKEN } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

let fakes: JobsStack;

beforeAll(async () => {
  fakes = await startJobsFakes();
});

afterAll(async () => {
  await fakes?.stop();
});

/** Our client waits this long for an answer here (30 s in production). */
const TIMEOUT_MS = 300;

/**
 * Holds the next request matching `path` until its client has given up, then lets it through: the work is
 * done, the answer reaches no one. Resolves once the work is done.
 */
async function answerAfterTheClientGaveUp(plan: FaultPlan, method: string, path: RegExp | string): Promise<void> {
  let release!: () => void;
  plan.add({ method, path, times: 1, hold: new Promise<void>((r) => (release = r)) });
  await eventually(() => (plan.seen.some((r) => r.clientGone) ? true : undefined), 30_000, 'the client to give up');
  release();
  await eventually(() => (plan.seen.some((r) => r.passedOn !== undefined) ? true : undefined));
}

/** What Temporal does with a failed attempt: run the activity again. */
async function withOneRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch {
    return attempt();
  }
}

test('a discussion the Hub opens after our client gave up is found by the retry, not posted twice', async () => {
  const hub = new HubClient({ endpoint: fakes.hub.url, token: TEST_TOKEN, timeoutMs: TIMEOUT_MS });
  const title = `✅ [hub-retrain] ${unique('p')} retrained on 0123456`;
  const held = answerAfterTheClientGaveUp(fakes.hub.faults, 'POST', `/api/datasets/${fakes.dataset}/discussions`);

  const posted = await withOneRetry(() =>
    hub.postDiscussionOnce({ type: 'dataset', name: fakes.dataset }, title, 'body'),
  );
  await held;

  const same = fakes.hub.discussionsOf('dataset', fakes.dataset).filter((d) => d.title === title);
  expect(same).toHaveLength(1);
  expect(posted).toMatchObject({ num: same[0]!.num, reused: true });
});

test('a job Jobs creates after our client gave up is adopted by the retried start, not run twice', async () => {
  const hub = new HubClient({ endpoint: fakes.hub.url, token: TEST_TOKEN });
  const run: RunContext = { pipeline: jobsPipeline(fakes), revision: fakes.hub.head(fakes.dataset), attempt: 1 };
  const backend = new HfJobsBackend(
    { hub, hfToken: TEST_TOKEN, timeoutMs: TIMEOUT_MS },
    backendOptions(run.pipeline, 'hf-jobs'),
  );
  const project = await backend.createProject(run);
  const data = await backend.addData(run, project);
  const held = answerAfterTheClientGaveUp(fakes.jobs.faults, 'POST', /^\/api\/jobs\/[^/]+$/);

  const job = await withOneRetry(() => backend.start(run, project, data));
  await held;

  const jobs = fakes.jobs.jobsLabelled({ 'retrain-pipeline': run.pipeline.name });
  expect(jobs).toHaveLength(1);
  expect(job).toMatchObject({ jobId: jobs[0]!.id, reused: true });
});
