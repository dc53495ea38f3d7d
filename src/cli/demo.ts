/**
 * `npm run demo`: delivers a signed Hub-format webhook for a local example pipeline to the running
 * service (the dataset's head: its content hash), says what the pipeline did with it, follows the run it
 * started through every stage, and prints the metrics, the promotion verdict (with both numbers) and where
 * the model is.
 */
import { join } from 'node:path';
import type { PipelineSpec } from '../config/config-schema';
import type { Env } from '../config/env';
import type { RunDetailView } from '../server/api/api-schemas';
import { CliError } from './cli-error';
import { escapeStrings, formatDecision, print, verdict } from './format';
import { awaitDecision, pipelineView } from './pipeline-decision';
import { apiSettings, ReceiverApi } from './receiver-api';
import { deliverTestWebhook } from './send-test-webhook';
import { watchRun } from './watch-run';

export interface DemoOptions {
  env: Env;
  pipelines: PipelineSpec[];
  pipeline?: string;
  /** The receiver; default as the other commands find it (HUB_RETRAIN_URL, PORT, the running one). */
  url?: string;
  timeoutMs?: number;
}

export const DEMO_WEBHOOK_ID = 'hub-retrain-demo';
const POLL_SECONDS = 0.5;

export async function runDemo(options: DemoOptions): Promise<number> {
  const { env } = options;
  const say = print;
  const pipeline = options.pipeline
    ? options.pipelines.find((p) => p.name === options.pipeline)
    : (options.pipelines.find((p) => p.local_path) ?? options.pipelines[0]);
  if (!pipeline) throw new CliError(`no pipeline ${options.pipeline ?? ''} in ${env.RETRAIN_CONFIG}`);
  const settings = apiSettings(options.url);
  const receiver = new ReceiverApi({ ...settings, adminToken: env.ADMIN_TOKEN });
  const before = await pipelineView(receiver, pipeline.name);

  say(`Delivering a signed Hub webhook for ${pipeline.name} (${pipeline.input_dataset}) to ${settings.url}/webhook`);
  const delivery = escapeStrings(await deliverTestWebhook(env, pipeline, settings.url, DEMO_WEBHOOK_ID));
  say(`  revision ${delivery.revision}`);
  say(`  ${delivery.status} ${JSON.stringify(delivery.answer)}`);
  if (!delivery.accepted) return 1;

  const decision = escapeStrings(await awaitDecision(receiver, before, { timeoutMs: options.timeoutMs }));
  let workflowId: string;
  switch (decision.kind) {
    case 'started':
    case 'training-already':
      workflowId = decision.workflowId;
      break;
    case 'trained-already': {
      say(`Nothing new to train: revision ${delivery.revision.slice(0, 12)} was already trained.`);
      if (decision.last?.promotion) say(`  Its verdict: ${verdict(decision.last.promotion)}`);
      say(`Edit ${pipeline.local_path ?? pipeline.input_dataset} and the pipeline retrains by itself.`);
      printModel(say, env, pipeline, decision.last?.revision);
      return 0;
    }
    default:
      say(formatDecision(pipeline.name, decision));
      return decision.kind === 'failed' ? 1 : 0;
  }
  say(`Training ${workflowId} (revision ${delivery.revision}; watch it in the Temporal Web UI too)`);
  const run = escapeStrings(await watchRun(receiver, workflowId, { interval: POLL_SECONDS }));
  if (run.status !== 'succeeded') {
    say(`The run ${run.status}: ${run.error ?? run.message ?? ''}`);
    return 1;
  }
  say();
  say('Metrics');
  for (const [name, value] of Object.entries(run.metrics)) {
    say(`  ${name.padEnd(20)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
  }
  printVerdict(say, run);
  printModel(say, env, pipeline, run.revision, run);
  return 0;
}

function printVerdict(say: (line?: string) => void, run: RunDetailView): void {
  const p = run.promotion;
  if (!p) return;
  say();
  say(p.promoted ? `Model put in service: ${p.reason}` : `Model not put in service: ${p.reason}`);
  if (!p.promoted && p.currentRevision) {
    say(`The model in service stays the one trained on revision ${p.currentRevision.slice(0, 12)}.`);
  }
}

function printModel(
  say: (line?: string) => void,
  env: Env,
  pipeline: PipelineSpec,
  revision: string | undefined,
  run?: RunDetailView,
): void {
  if (pipeline.backend.type !== 'local') return;
  const models = join(env.RETRAIN_MODELS_DIR, pipeline.name);
  say();
  if (revision) say(`Model of this run:    ${join(models, revision)}`);
  const held = run?.promotion && !run.promotion.promoted ? run.promotion.currentRevision : undefined;
  say(`Model in service:     ${join(models, 'current')}${held ? ` (revision ${held.slice(0, 12)})` : ''}`);
  say(`Try it:               npx hub-retrain predict ${pipeline.name} "your text here"`);
}
