/**
 * `npm run demo`: delivers a signed Hub-format webhook for a local example pipeline to the running
 * service, follows the run it starts through the receiver's API, and prints the metrics, the promotion
 * verdict and where the model is.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineSpec } from '../config/config-schema';
import type { Env } from '../config/env';
import { resolveWebhookSecret } from '../config/webhook-secret';
import type { PipelineView } from '../server/api-schemas';
import { escapeStrings, print } from './format';
import { ReceiverApi } from './receiver-api';
import { watchRun } from './watch-run';

export interface DemoOptions {
  env: Env;
  pipelines: PipelineSpec[];
  pipeline?: string;
  /** The receiver; default http://localhost:$PORT. */
  url?: string;
  timeoutMs?: number;
}

const POLL_MS = 500;

export async function runDemo(options: DemoOptions): Promise<number> {
  const { env } = options;
  const say = print;
  const pipeline = options.pipeline
    ? options.pipelines.find((p) => p.name === options.pipeline)
    : (options.pipelines.find((p) => p.local_path) ?? options.pipelines[0]);
  if (!pipeline) throw new Error(`no pipeline ${options.pipeline ?? ''} in ${env.RETRAIN_CONFIG}`);
  const url = (options.url ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const receiver = new ReceiverApi({ url, adminToken: env.ADMIN_TOKEN });
  const view = async () => (await receiver.pipelines()).find((p) => p.name === pipeline.name);
  const before = (await view())?.counters?.updates ?? 0;

  say(`Delivering a signed Hub webhook for ${pipeline.name} (${pipeline.input_dataset}) to ${url}/webhook`);
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false).secret;
  const answer = await deliver(url, secret, pipeline.input_dataset);
  say(`  ${answer.status} ${JSON.stringify(answer.body)}`);
  if (answer.status !== 202) return 1;

  // Wait until the pipeline has taken the update in and decided: run it, or it was trained already.
  // Values from the receiver, escaped once for the lines composed below (format.ts).
  const decided = escapeStrings(
    await poll(options.timeoutMs ?? 120_000, async () => {
      const current = await view();
      return current && (current.counters?.updates ?? 0) > before && !current.waiting ? current : undefined;
    }),
  );
  if (!decided.active) {
    say(`Nothing new to train: ${describeLast(decided)}`);
    say(`Edit ${pipeline.local_path ?? pipeline.input_dataset} and the pipeline retrains by itself.`);
    printModel(say, env, pipeline, decided.lastResult?.revision);
    return 0;
  }
  say(`Training ${decided.active.workflowId} (watch it in the Temporal Web UI too)`);
  const run = escapeStrings(await watchRun(receiver, decided.active.workflowId, { interval: POLL_MS / 1000 }));
  if (run.status !== 'succeeded') {
    say(`The run ${run.status}: ${run.error ?? run.message ?? ''}`);
    return 1;
  }
  say();
  say('Metrics');
  for (const [name, value] of Object.entries(run.metrics)) {
    say(`  ${name.padEnd(20)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
  }
  if (run.promotion) say(`\n${run.promotion.reason}`);
  printModel(say, env, pipeline, run.revision);
  return 0;
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

function describeLast(view: PipelineView): string {
  const last = view.lastResult;
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

async function poll<T>(timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the pipeline to take the delivery in');
    await sleep(POLL_MS);
  }
}
