import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/activities';
import { temporal } from '@temporalio/proto';
import type { RunDetailView } from '../../src/server/api/api-schemas';
import type { PipelineSpec } from '../../src/config/config-schema';
import { HubClient } from '../../src/hub/hub-client';
import { backendLogTails } from '../../src/server/api/log-tails';
import { RunEndings } from '../../src/server/api/run-endings';
import { StatusReader } from '../../src/server/api/status-reader';
import { pendingTrainingCheck } from '../../src/server/api/training-check';
import { createRetrainWorker, type RetrainWorkerOptions } from '../../src/worker';

/** The dev server that jest's globalSetup started for this run. */
export function testAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through jest (globalSetup)');
  return address;
}

export function testBundlePath(): string {
  const path = process.env.TEMPORAL_TEST_BUNDLE;
  if (!path) throw new Error('TEMPORAL_TEST_BUNDLE is not set: run the tests through jest (globalSetup)');
  return path;
}

/** Fresh state and model-registry folders for a test's activities. */
export function scratchDirs(): { stateDir: string; modelsDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'hub-retrain-state-'));
  return { stateDir: join(root, 'state'), modelsDir: join(root, 'models') };
}

/** Unique per test: the dev server is shared by every test file. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function testClient(): Promise<Client> {
  const connection = await Connection.connect({ address: testAddress() });
  return new Client({ connection, namespace: 'default' });
}

/** SDK logs at ERROR unless TEST_LOG_LEVEL says otherwise (once per jest worker process). */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.TEST_LOG_LEVEL ?? 'ERROR') as LogLevel) });
  } catch {
    // already installed by an earlier test file in this process
  }
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startWorker(
  taskQueue: string,
  activities: ActivityDeps,
  tuning?: RetrainWorkerOptions['tuning'],
  payloadCodecs?: RetrainWorkerOptions['payloadCodecs'],
): Promise<RunningWorker> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: testAddress() });
  const worker = await createRetrainWorker({
    connection,
    namespace: 'default',
    taskQueue,
    activities,
    workflowBundlePath: testBundlePath(),
    tuning: { shutdownGraceTime: '1s', ...tuning },
    payloadCodecs,
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Polls `check` until it returns a value other than undefined (for state owned by another process). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  what = 'condition',
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A run waiting for its training job: how many status checks it has made, and whether it is between
 * checks (nothing in flight), read from its pending awaitTraining activity as the status API reads it.
 */
export async function trainingChecks(
  client: Client,
  workflowId: string,
): Promise<{ checks: number; betweenChecks: boolean } | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const check = await pendingTrainingCheck(client, description);
  if (!check) return undefined;
  const pending = description.raw.pendingActivities ?? [];
  const inFlight = pending.some(
    (a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
  );
  return { checks: check.checks, betweenChecks: !inFlight };
}

/**
 * A run as the status API shows it (GET /api/runs/:id), read by the API's own reader; with `logs`, it reads the
 * log tail of a training run from the pipeline's backend as the receiver does.
 */
export function runView(
  client: Client,
  workflowId: string,
  logs?: { deps: ActivityDeps; pipeline: PipelineSpec },
): Promise<RunDetailView> {
  const reader = new StatusReader({
    client,
    pipelines: logs ? [logs.pipeline] : [],
    ui: { namespace: 'default' },
    timeoutMs: 10_000,
    queryTimeoutMs: 5_000,
    endings: new RunEndings({ client, timeoutMs: 10_000 }),
    logTails:
      logs &&
      backendLogTails({
        hub: new HubClient({ endpoint: logs.deps.hubEndpoint, token: logs.deps.hfToken }),
        hfToken: logs.deps.hfToken,
        autotrainApiUrl: logs.deps.autotrainApiUrl,
        stateDir: logs.deps.stateDir,
        modelsDir: logs.deps.modelsDir,
      }),
  });
  return reader.run(workflowId);
}

/** What useFakesAndWorker fills in before a test file's tests run. */
export interface FakesAndWorker<F> {
  fakes: F;
  client: Client;
  worker: RunningWorker;
}

/**
 * For a test file: fakes (`start`), a client and a worker on a fresh task queue, set on `stack` before the tests and
 * stopped after them.
 */
export function useFakesAndWorker<F extends { activityDeps: ActivityDeps; stop(): Promise<void> }>(
  stack: Partial<FakesAndWorker<F>>,
  start: () => Promise<F>,
  queuePrefix: string,
  tuning?: RetrainWorkerOptions['tuning'],
): void {
  beforeAll(async () => {
    stack.fakes = await start();
    stack.client = await testClient();
    stack.worker = await startWorker(unique(queuePrefix), stack.fakes.activityDeps, tuning);
  });
  afterAll(async () => {
    await stack.worker?.stop();
    await stack.client?.connection.close();
    await stack.fakes?.stop();
  });
}
