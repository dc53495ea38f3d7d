/**
 * `npm run demo`: delivers a signed Hub-format webhook for a local example pipeline to the running
 * service, follows the run it starts in the terminal, and prints the metrics and where the model is.
 */
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { PipelineSpec } from '../config/config-schema';
import type { Env } from '../config/env';
import { resolveWebhookSecret } from '../config/webhook-secret';
import {
  pipelineStateQuery,
  pipelineWorkflowId,
  progressQuery,
  type PipelineState,
  type RetrainProgress,
  type RetrainResult,
} from '../workflows/definitions';
import { ProgressWriter, progressLine } from './progress-line';

export interface DemoOptions {
  env: Env;
  pipelines: PipelineSpec[];
  pipeline?: string;
  /** The receiver; default http://localhost:$PORT. */
  url?: string;
  timeoutMs?: number;
  out?: NodeJS.WriteStream;
}

const POLL_MS = 500;

export async function runDemo(options: DemoOptions): Promise<number> {
  const { env } = options;
  const say = (line = '') => (options.out ?? process.stdout).write(`${line}\n`);
  const pipeline = options.pipeline
    ? options.pipelines.find((p) => p.name === options.pipeline)
    : (options.pipelines.find((p) => p.local_path) ?? options.pipelines[0]);
  if (!pipeline) throw new Error(`no pipeline ${options.pipeline ?? ''} in ${env.RETRAIN_CONFIG}`);
  const url = (options.url ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false).secret;
  const address = env.TEMPORAL_ADDRESS ?? `localhost:${env.TEMPORAL_DEV_PORT}`;
  const connection = await Connection.connect({ address, connectTimeout: '5s' }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${address} (${err.message}): is \`npm start\` running?`);
  });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  try {
    const pipelineHandle = client.workflow.getHandle(pipelineWorkflowId(pipeline.name));
    const queryState = () =>
      pipelineHandle.query(pipelineStateQuery).catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    const before = (await queryState())?.counters.updates ?? 0;

    say(`Delivering a signed Hub webhook for ${pipeline.name} (${pipeline.input_dataset}) to ${url}/webhook`);
    const answer = await deliver(url, secret, pipeline.input_dataset);
    say(`  ${answer.status} ${JSON.stringify(answer.body)}`);
    if (answer.status !== 202) return 1;

    // Wait for the pipeline to take the update in (and to decide: run it, or it was trained already).
    const decided = await poll(options.timeoutMs, async () => {
      const state = await queryState();
      return state && state.counters.updates > before && !state.waiting ? state : undefined;
    });
    const run = decided.active ?? undefined;
    if (!run) {
      say(`Nothing new to train: ${describeLast(decided)}`);
      say(`Edit ${pipeline.local_path ?? pipeline.input_dataset} and the pipeline retrains by itself.`);
      printModel(say, env, pipeline, decided.trained.at(-1));
      return 0;
    }
    say(`Training ${run.workflowId} (watch it in the Temporal Web UI too)`);
    const handle = client.workflow.getHandle(run.workflowId);
    const bar = new ProgressWriter(options.out);
    let progress: RetrainProgress | undefined;
    const result = handle.result() as Promise<RetrainResult>;
    let finished = false;
    void result.then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished) {
      progress = await handle.query(progressQuery).catch(() => progress);
      if (progress) bar.update(progressLine(progress.stage, progress.progress, progress.message));
      await sleep(POLL_MS);
    }
    progress = await handle.query(progressQuery).catch(() => progress);
    if (progress) bar.update(progressLine(progress.stage, progress.progress, progress.message));
    bar.done();
    const outcome = await result.catch((err: Error) => err);
    if (outcome instanceof Error) {
      say(`The run failed: ${progress?.error ?? outcome.message}`);
      return 1;
    }
    say();
    say('Metrics');
    for (const [name, value] of Object.entries(outcome.metrics))
      say(`  ${name.padEnd(20)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
    if (outcome.promotion) say(`\n${outcome.promotion.reason}`);
    printModel(say, env, pipeline, outcome.revision);
    return 0;
  } finally {
    await connection.close();
  }
}

/** A Hub payload (version 3) for a content update of the pipeline's dataset, as the Hub would send it. */
async function deliver(url: string, secret: string, dataset: string): Promise<{ status: number; body: unknown }> {
  const payload = {
    event: { action: 'update', scope: 'repo.content' },
    repo: {
      type: 'dataset',
      name: dataset,
      id: 'hub-retrain-demo',
      private: true,
      url: { web: dataset },
      owner: { id: 'demo' },
    },
    webhook: { id: 'hub-retrain-demo', version: 3 },
  };
  const res = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
    body: JSON.stringify(payload),
  }).catch((err: Error) => {
    throw new Error(`cannot reach the receiver at ${url} (${err.message}): is \`npm start\` running?`);
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

function describeLast(state: PipelineState): string {
  const last = state.lastResult;
  return last
    ? `revision ${last.revision.slice(0, 12)} was already trained (${last.outcome ?? 'running'})`
    : 'this revision is already trained';
}

function printModel(
  say: (line?: string) => void,
  env: Env,
  pipeline: PipelineSpec,
  revision: string | undefined,
): void {
  if (pipeline.backend.type !== 'local') return;
  const models = join(env.RETRAIN_MODELS_DIR, pipeline.name);
  say();
  if (revision) say(`Model of this run:    ${join(models, revision)}`);
  say(`Model in service:     ${join(models, 'current')}`);
  say(`Try it:               npx hub-retrain predict ${pipeline.name} "your text here"`);
}

async function poll<T>(timeoutMs = 120_000, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the pipeline to take the delivery in');
    await sleep(POLL_MS);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
