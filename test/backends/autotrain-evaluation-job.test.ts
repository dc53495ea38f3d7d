/**
 * AutoTrain's evaluation step in a small Hugging Face Job (`backend.evaluation.runner: "hf-jobs"`, issue 23): the
 * measureOnSameRows activity, run in the SDK's activity environment against the fake Hub with the fake Jobs API
 * mounted on it. The request it sends, its heartbeat while the Job runs, the Job cancelled with the activity, one Job
 * whatever the retries, and the comparison the Job pushed read back (or the fallback when there is none).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createSameRowsActivities } from '../../src/activities/same-rows-activities';
import type { SameRowsResult } from '../../src/backends/autotrain/autotrain-evaluation';
import type { DataRef, RunContext } from '../../src/backends/types';
import { ModelRegistry } from '../../src/registry/model-registry';
import { FakeHub } from '../fakes/fake-hub';
import { FakeJobs, type JobScript } from '../fakes/fake-jobs';
import { pushedComparison } from '../helpers/pushed-comparison';
import { pipelineSpec, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { unique } from '../helpers/temporal';

let hub: FakeHub;
let jobs: FakeJobs;

beforeAll(async () => {
  hub = new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER });
  jobs = new FakeJobs(hub);
  await hub.extend(jobs.router()).start();
});

afterAll(async () => {
  jobs?.stop();
  await hub?.stop();
});

const TRUTH = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'positive' : 'negative'));
const PREDICTED = TRUTH.map((label, i) => (i % 4 === 0 ? (label === 'positive' ? 'negative' : 'positive') : label));

interface Setup {
  run: RunContext;
  data: DataRef;
  candidate: string;
  candidateSha: string;
  inService: { run: string; model: string; revision: string };
  registry: ModelRegistry;
  activities: ReturnType<typeof createSameRowsActivities>;
}

/** An AutoTrain pipeline whose evaluation runs in a Job, a candidate AutoTrain pushed, and a model in service. */
function setup(evaluation: Record<string, unknown> = { runner: 'hf-jobs' }, recordedCommit = true): Setup {
  const name = unique('at-job');
  const pipeline = pipelineSpec(
    { dataset: `${TEST_USER}/reviews` },
    {
      name,
      task: 'text-classification',
      input_model: 'google-bert/bert-base-uncased',
      backend: { type: 'autotrain', valid_split: 'validation', evaluation },
      promotion: { metric: 'accuracy', direction: 'max', min_delta: 0, significance: 0.05 },
    },
  );
  const candidate = `${TEST_USER}/${name}-candidate`;
  const candidateSha = hub.commitFiles('model', candidate, { 'config.json': '{}' }, 'AutoTrain');
  const old = `${TEST_USER}/${name}-old`;
  const inService = {
    run: 'd'.repeat(40),
    model: old,
    revision: hub.commitFiles('model', old, { 'config.json': '{}' }),
  };
  const root = mkdtempSync(join(tmpdir(), 'at-job-'));
  const registry = new ModelRegistry(join(root, 'models'));
  registry.record({
    pipeline: name,
    dataset: pipeline.input_dataset,
    revision: inService.run,
    baseModel: pipeline.input_model,
    task: pipeline.task,
    backend: 'autotrain',
    metrics: { accuracy: 0.7 },
    model: old,
    modelRevision: recordedCommit ? inService.revision : undefined,
    trainedAt: new Date().toISOString(),
  });
  registry.promote(name, inService.run);
  const activities = createSameRowsActivities({
    hubEndpoint: hub.url,
    hfToken: TEST_TOKEN,
    stateDir: join(root, 'state'),
    modelsDir: join(root, 'models'),
  });
  const data: DataRef = {
    dataset: pipeline.input_dataset,
    revision: 'b'.repeat(40),
    detail: {
      column_mapping: JSON.stringify({ text_column: 'review', target_column: 'label' }),
      train_split: 'train',
      valid_split: 'validation',
    },
  };
  return {
    run: { pipeline, revision: 'e'.repeat(40), attempt: 1 },
    data,
    candidate,
    candidateSha,
    inService,
    registry,
    activities,
  };
}

/** The fake Jobs API runs this pipeline's evaluation Jobs with `script`, pushing what compare_job.py pushes. */
function scriptJobs(s: Setup, script: Partial<JobScript>, push = true): void {
  jobs.scriptFor = (request) =>
    request.labels?.['retrain-pipeline'] === s.run.pipeline.name
      ? {
          outcome: 'success',
          schedulingMs: 100,
          runMs: 600,
          ...(push
            ? {
                pushModel: {
                  repo: s.candidate,
                  files: {
                    'comparison.json': pushedComparison(TRUTH, PREDICTED, request.environment?.RETRAIN_CURRENT_RUN),
                  },
                },
              }
            : {}),
          ...script,
        }
      : undefined;
}

/** Runs the activity as a worker would (attempt `attempt`), recording its heartbeats. */
function measure(s: Setup, attempt = 1) {
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('WARN') });
  const heartbeats: Array<{ jobId: string; stage: string }> = [];
  const beat = new Set<(d: { jobId: string; stage: string }) => void>();
  env.on('heartbeat', (details: { jobId: string; stage: string }) => {
    heartbeats.push(details);
    for (const listener of beat) listener(details);
  });
  const result: Promise<SameRowsResult> = env.run(
    s.activities.measureOnSameRows.bind(s.activities),
    s.run,
    { jobId: 'autotrain-project', links: {} },
    s.data,
    s.candidate,
  );
  /** Resolves at the first heartbeat that says the Job is `stage`. */
  const heartbeatAt = (stage: string) =>
    new Promise<{ jobId: string; stage: string }>((resolve) => {
      const seen = heartbeats.find((d) => d.stage === stage);
      if (seen) return resolve(seen);
      beat.add((d) => d.stage === stage && resolve(d));
    });
  return { env, result, heartbeats, heartbeatAt };
}

const evaluationJobs = (s: Setup) => jobs.jobsLabelled({ 'retrain-pipeline': s.run.pipeline.name });

test('the Job gets the candidate at its commit, the run revision and the model in service; the token only as a secret', async () => {
  const s = setup({ runner: 'hf-jobs', flavor: 't4-small', timeout_seconds: 600 });
  scriptJobs(s, {});
  const { result, heartbeats } = measure(s);
  expect(await result).toEqual({ modelRevision: s.candidateSha, rows: 40 });

  const [job, ...more] = evaluationJobs(s);
  expect(more).toHaveLength(0);
  const { command, environment, secrets, labels, flavor, timeoutSeconds } = job!.request;
  expect(command!.slice(0, 2)).toEqual(['bash', '-c']);
  expect(command![2]).toContain('exec uv run --frozen --no-dev python compare_job.py "$2" "$3" "$4" "$5" "$6"');
  expect(command!.slice(5)).toEqual([
    s.candidate,
    s.candidateSha,
    s.data.dataset,
    s.data.revision,
    s.run.pipeline.task,
  ]);
  expect(environment).toEqual({
    RETRAIN_PARAMS: JSON.stringify({ text_column: 'review', label_column: 'label' }),
    RETRAIN_TRAIN_SPLIT: 'train',
    RETRAIN_VALID_SPLIT: 'validation',
    RETRAIN_CURRENT_MODEL: s.inService.model,
    RETRAIN_CURRENT_MODEL_REVISION: s.inService.revision,
    RETRAIN_CURRENT_RUN: s.inService.run,
  });
  expect(secrets).toEqual({ HF_TOKEN: TEST_TOKEN });
  expect(JSON.stringify([command, environment, labels])).not.toContain(TEST_TOKEN);
  expect({ flavor, timeoutSeconds }).toEqual({ flavor: 't4-small', timeoutSeconds: 600 });
  expect(labels).toEqual({
    'retrain-pipeline': s.run.pipeline.name,
    'retrain-revision': s.run.revision,
    'retrain-attempt': '1',
    'retrain-step': 'evaluation',
    'retrain-managed-by': 'hub-retrain',
  });
  // Heartbeats while the Job ran, each naming it.
  expect(heartbeats.length).toBeGreaterThan(0);
  expect(heartbeats.every((d) => d.jobId === job!.id)).toBe(true);
  // The comparison the Job pushed, in the run's registry folder for the gate.
  const comparison = JSON.parse(
    readFileSync(join(s.registry.runDir(s.run.pipeline.name, s.run.revision), 'comparison.json'), 'utf8'),
  ) as { truth: string[]; current: { dir: string } };
  expect(comparison.truth).toHaveLength(40);
  expect(comparison.current.dir).toBe(`/tmp/hub-retrain/in-service/${s.inService.run}`);
});

test('without a flavor or timeout the Job runs on cpu-basic for at most 30 minutes', async () => {
  const s = setup();
  scriptJobs(s, {});
  await measure(s).result;
  expect(evaluationJobs(s)[0]!.request).toMatchObject({ flavor: 'cpu-basic', timeoutSeconds: 1800 });
});

test('a cancelled activity cancels its Job', async () => {
  const s = setup();
  scriptJobs(s, { outcome: 'hang' });
  const { env, result, heartbeatAt } = measure(s);
  const running = await heartbeatAt('RUNNING');
  env.cancel();
  await expect(result).rejects.toThrow();
  expect(jobs.cancelCalls).toContain(running.jobId);
  expect(jobs.job(running.jobId)!.stage).toBe('CANCELED');
});

test('a retry of the step finds the Job its first attempt started and runs no second one', async () => {
  const s = setup();
  scriptJobs(s, { outcome: 'hang' });
  const first = measure(s, 1);
  const { jobId } = await first.heartbeatAt('RUNNING');
  // The first attempt timed out on a worker that still runs it; the retry starts on another.
  const retry = measure(s, 2);
  expect((await retry.heartbeatAt('RUNNING')).jobId).toBe(jobId);
  jobs.end(jobId);
  const expected = { modelRevision: s.candidateSha, rows: 40 };
  expect(await retry.result).toEqual(expected);
  expect(await first.result).toEqual(expected);
  expect(evaluationJobs(s)).toHaveLength(1);
});

test('a Job that fails, or completes without pushing a comparison, leaves the gate to the recorded numbers, said why', async () => {
  const failing = setup();
  const said = 'error: no rows AutoTrain did not train on: the dataset has no validation split';
  scriptJobs(failing, { outcome: 'error', errorMessage: 'Job failed', logs: ['Downloading', said] }, false);
  const failed = await measure(failing).result;
  const [job] = evaluationJobs(failing);
  expect(failed).toEqual({
    modelRevision: failing.candidateSha,
    missing: `the evaluation Job ${hub.url}/jobs/${TEST_USER}/${job!.id} ended ERROR: Job failed (${said})`,
  });
  const dir = failing.registry.runDir(failing.run.pipeline.name, failing.run.revision);
  expect(existsSync(join(dir, 'comparison.json'))).toBe(false);

  const silent = setup();
  scriptJobs(silent, {}, false);
  expect((await measure(silent).result).missing).toMatch(
    new RegExp(`^the evaluation Job .+ completed but pushed no comparison\\.json to ${silent.candidate}$`),
  );
});

test('a model in service recorded without its commit is not sent to the Job; the verdict says why it was not measured', async () => {
  const s = setup({ runner: 'hf-jobs' }, false);
  scriptJobs(s, {});
  expect(await measure(s).result).toEqual({ modelRevision: s.candidateSha, rows: 40 });
  expect(Object.keys(evaluationJobs(s)[0]!.request.environment!)).not.toContain('RETRAIN_CURRENT_MODEL');
  const comparison = JSON.parse(
    readFileSync(join(s.registry.runDir(s.run.pipeline.name, s.run.revision), 'comparison.json'), 'utf8'),
  ) as { current: unknown };
  expect(comparison.current).toEqual({
    dir: `/tmp/hub-retrain/in-service/${s.inService.run}`,
    status: 'foreign',
    error: `the model in service ${s.inService.model} was recorded without the commit its run pushed, so it cannot be measured at a fixed revision`,
  });
});

test('a pinned evaluation set the Hub does not hold is said so before any Job runs, and no comparison is made', async () => {
  const s = setup();
  scriptJobs(s, {});
  const gone = `${TEST_USER}/${unique('gone-eval')}`;
  s.run = { ...s.run, pipeline: { ...s.run.pipeline, evaluation: { dataset: gone, revision: '0'.repeat(40) } } };
  const result = await measure(s).result;
  expect(result.unmade).toMatch(
    new RegExp(
      `^evaluation\\.dataset: the pinned evaluation set ${gone} at 0000000 cannot be read \\(.+\\); no comparison was made$`,
    ),
  );
  expect(evaluationJobs(s)).toHaveLength(0);
});
