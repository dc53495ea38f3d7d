/**
 * A test stack for the hf-jobs backend: the fake Hub with the fake Jobs API mounted on it (Jobs live on the
 * Hub host), a user, a token and a dataset; pipelines go through the real config parser.
 */
import type { ActivityDeps } from '../../src/activities';
import type { PipelineSpec } from '../../src/config/config-schema';
import { FakeHub } from '../fakes/fake-hub';
import { FakeJobs, type JobScript } from '../fakes/fake-jobs';
import { pipelineSpec, TEST_TOKEN, TEST_USER } from './stack';
import { scratchDirs, unique, useFakesAndWorker, type FakesAndWorker } from './temporal';

export interface JobsStack {
  hub: FakeHub;
  jobs: FakeJobs;
  dataset: string;
  activityDeps: ActivityDeps;
  stop(): Promise<void>;
}

export async function startJobsFakes(): Promise<JobsStack> {
  const hub = new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER, orgs: ['acme-org'] });
  const jobs = new FakeJobs(hub);
  await hub.extend(jobs.router()).start();
  const dataset = `${TEST_USER}/${unique('images')}`;
  hub.addDataset(dataset);
  return {
    hub,
    jobs,
    dataset,
    activityDeps: { hubEndpoint: hub.url, hfToken: TEST_TOKEN, namespace: 'default', ...scratchDirs() },
    stop: async () => {
      jobs.stop();
      await hub.stop();
    },
  };
}

/** An hf-jobs pipeline on the stack's dataset (backend options merged over `{type: "hf-jobs"}`). */
export function jobsPipeline(
  stack: Pick<JobsStack, 'dataset'>,
  overrides: Record<string, unknown> = {},
  backend: Record<string, unknown> = {},
): PipelineSpec {
  return pipelineSpec(stack, { ...overrides, backend: { type: 'hf-jobs', ...backend } });
}

/** A successful job that pushes what the transformers Trainer pushes: the results files with these metrics. */
export function trainingThatPushes(repo: string, metrics: Record<string, number>, extra: Partial<JobScript> = {}) {
  const script: JobScript = {
    outcome: 'success',
    schedulingMs: 100,
    runMs: 600,
    logs: ['Downloading data', "{'loss': 0.61, 'epoch': 1.0}", `{'eval_accuracy': ${metrics.eval_accuracy ?? 0}}`],
    pushModel: {
      repo,
      files: {
        'config.json': '{"architectures": ["ResNetForImageClassification"]}',
        'all_results.json': JSON.stringify({ ...metrics, train_runtime: 12.5 }),
        'eval_results.json': JSON.stringify(metrics),
      },
    },
    ...extra,
  };
  return script;
}

export type JobsWorkerStack = FakesAndWorker<JobsStack>;

/** For a test file: the Jobs fakes, a client and a worker on a fresh task queue, started before and stopped after. */
export function useJobsWorkerStack(queuePrefix: string): JobsWorkerStack {
  const stack = {} as JobsWorkerStack;
  useFakesAndWorker(stack, startJobsFakes, queuePrefix);
  return stack;
}
