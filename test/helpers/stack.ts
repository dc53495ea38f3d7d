/**
 * A test stack: the fake Hub and fake AutoTrain with a user, a token and a dataset, plus pipeline specs
 * built through the real config parser so defaults are the real ones.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendOptions, BackendType } from '../../src/config/backends';
import type { PipelineSpec } from '../../src/config/config-schema';
import { parseConfig } from '../../src/config/load-config';
import type { ActivityDeps } from '../../src/activities';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { FakeJobs } from '../fakes/fake-jobs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { RETRAIN_WORKFLOW, retrainWorkflowId } from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import { scratchDirs, unique, useFakesAndWorker, type RunningWorker } from './temporal';

export const TEST_TOKEN = 'hf_test_write_token_0123456789abcdef';
export const TEST_USER = 'acme';

export interface FakeStack {
  hub: FakeHub;
  autotrain: FakeAutotrain;
  dataset: string;
  activityDeps: ActivityDeps;
  stop(): Promise<void>;
}

export async function startFakes(): Promise<FakeStack>;
/** With `jobs`, the fake Jobs API mounted on the fake Hub too (AutoTrain's evaluation Job). */
export async function startFakes(options: { jobs: true }): Promise<FakeStack & { jobs: FakeJobs }>;
export async function startFakes(options: { jobs?: boolean } = {}): Promise<FakeStack & { jobs?: FakeJobs }> {
  const hub = new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER });
  const jobs = options.jobs ? new FakeJobs(hub) : undefined;
  await (jobs ? hub.extend(jobs.router()) : hub).start();
  const autotrain = await new FakeAutotrain(hub).start();
  const dataset = `${TEST_USER}/${unique('images')}`;
  hub.addDataset(dataset);
  return {
    hub,
    autotrain,
    dataset,
    activityDeps: {
      hubEndpoint: hub.url,
      hfToken: TEST_TOKEN,
      autotrainApiUrl: autotrain.url,
      namespace: 'default',
      ...scratchDirs(),
    },
    ...(jobs ? { jobs } : {}),
    stop: async () => {
      jobs?.stop();
      await autotrain.stop();
      await hub.stop();
    },
  };
}

/** A pipeline on the stack's dataset, polling every second, through the real config schema. */
/** A pipeline's `backend` options, narrowed to the backend a test constructs itself (createBackends does it in src/). */
export function backendOptions<T extends BackendType>(
  pipeline: PipelineSpec,
  type: T,
): Extract<BackendOptions, { type: T }> {
  const options = pipeline.backend;
  if (options.type !== type) throw new Error(`pipeline ${pipeline.name} has a ${options.type} backend, not ${type}`);
  return options as Extract<BackendOptions, { type: T }>;
}

export function pipelineSpec(stack: Pick<FakeStack, 'dataset'>, overrides: Record<string, unknown> = {}): PipelineSpec {
  const name = typeof overrides.name === 'string' ? overrides.name : unique('p');
  const [spec] = parseConfig({
    pipelines: [
      {
        name,
        target_namespace: TEST_USER,
        input_dataset: stack.dataset,
        input_model: 'microsoft/resnet-50',
        autotrain_project_prefix: name,
        poll_interval_seconds: 1,
        ...overrides,
      },
    ],
  });
  return spec!;
}

/** A folder dataset with a train.csv of `rows` (two rows of two labels by default). */
export function datasetFolder(rows = 'text,label\ngood,pos\nbad,neg\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'dataset-'));
  writeFileSync(join(dir, 'train.csv'), rows);
  return dir;
}

/**
 * A text-classification pipeline of a local folder (`file:`), named `<prefix>-<unique>`: the TypeScript baseline's
 * model unless `fields` names another, checked every second; `fields` add or replace anything (backend, promotion).
 */
export function folderPipeline(prefix: string, folder: string, fields: Record<string, unknown> = {}): PipelineSpec {
  const [spec] = parseConfig({
    pipelines: [
      {
        name: unique(prefix),
        target_namespace: TEST_USER,
        input_dataset: `file:${folder}`,
        input_model: 'tfidf-logreg',
        task: 'text-classification',
        poll_interval_seconds: 1,
        ...fields,
      },
    ],
  });
  return spec!;
}

/** Starts a RetrainWorkflow for a pipeline and revision, with its real workflow id. */
export function startRetrainRun(
  client: Client,
  taskQueue: string,
  pipeline: PipelineSpec,
  revision: string,
): Promise<WorkflowHandle<typeof RetrainWorkflow>> {
  return client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
    workflowId: retrainWorkflowId(pipeline.name, revision),
    taskQueue,
    args: [{ pipeline, revision, attempt: 1 }],
  });
}

export interface WorkerStack {
  fakes: FakeStack;
  client: Client;
  worker: RunningWorker;
  /** A fresh pipeline on the stack's dataset (overrides as in config.json), run at the dataset's head. */
  startRetrain(overrides?: Record<string, unknown>, revision?: string): Promise<WorkflowHandle<typeof RetrainWorkflow>>;
}

/** For a test file: fakes, a client and a worker on a fresh task queue, started before and stopped after. */
export function useWorkerStack(queuePrefix: string): WorkerStack {
  const stack = {
    startRetrain: (overrides: Record<string, unknown> = {}, revision?: string) =>
      startRetrainRun(
        stack.client,
        stack.worker.taskQueue,
        pipelineSpec(stack.fakes, overrides),
        revision ?? stack.fakes.hub.head(stack.fakes.dataset),
      ),
  } as WorkerStack;
  useFakesAndWorker(stack, startFakes, queuePrefix);
  return stack;
}
