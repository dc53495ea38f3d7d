/**
 * Benchmark 10: the local predict endpoint during a swap. A real receiver (startReceiver, the Express app of `npm
 * start`) serves a baseline text model of the bundled product reviews from a model registry; `clients` concurrent
 * clients send one-input predictions back to back; midway, `current` is switched to a second model (what a
 * promotion or a roll-back does) and the receiver loads it beside the first and swaps. Measured per phase:
 * requests/s, p50, p99 and max latency, and failed requests (any answer but 200, or no answer). Phases: `before`
 * (steady, old model), `swap` (from the switch until 2 s after the new model's first answer: loading the new model
 * beside the old one is in it), `after` (steady, new model). Repeated, switching back and forth.
 *
 *   tsx bench/serving-swap.bench.ts [--quick]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { runTrainerCommand, trainersCommand } from '../src/backends/trainer-process';
import { parseConfig } from '../src/config/load-config';
import { createLogger } from '../src/logging';
import { ModelRegistry } from '../src/registry/model-registry';
import { startReceiver } from '../src/server/serve';
import { conditions, isQuick, writeResults } from './lib/results';
import { log, ROOT } from './lib/stack';
import { summarizeLatencies, type LatencySummary } from './lib/stats';

const FULL = { reps: 3, clients: 8, steadySeconds: 10, afterSwapSeconds: 2 };
const QUICK: typeof FULL = { reps: 1, clients: 4, steadySeconds: 3, afterSwapSeconds: 2 };
const PIPELINE = 'reviews';
const INPUTS = ['Absolutely love it, works perfectly', 'Broke after a day', 'It is fine', 'Arrived late but works'];

export interface PhaseFigures {
  seconds: number;
  requests: number;
  perSecond: number;
  failed: number;
  latencyMs: LatencySummary;
}

export interface SwapRep {
  from: string;
  to: string;
  /** From the switch of `current` to the new model's first answer. */
  swapMs: number;
  before: PhaseFigures;
  swap: PhaseFigures;
  after: PhaseFigures;
}

export interface ServingSwapResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  reps: SwapRep[];
}

interface Sample {
  at: number;
  ms: number;
  ok: boolean;
  revision?: string;
}

async function main(): Promise<void> {
  const settings = isQuick() ? QUICK : FULL;
  const results: ServingSwapResults = { quick: isQuick(), settings, conditions: { start: conditions() }, reps: [] };
  const modelsDir = mkdtempSync(join(tmpdir(), 'bench-serving-'));
  const data = join(ROOT, 'examples', 'datasets', 'product-reviews');
  for (const [revision, epochs] of [
    ['rev-a', 10],
    ['rev-b', 12],
  ] as const) {
    await runTrainerCommand(trainersCommand('train'), {
      what: 'training a baseline',
      env: {
        ...process.env,
        RETRAIN_DATA_DIR: data,
        RETRAIN_OUTPUT_DIR: join(modelsDir, PIPELINE, revision),
        RETRAIN_TASK: 'text-classification',
        RETRAIN_BASE_MODEL: 'tfidf',
        RETRAIN_PARAMS: JSON.stringify({ epochs }),
      },
    });
  }
  const registry = new ModelRegistry(modelsDir);
  registry.promote(PIPELINE, 'rev-a');
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: PIPELINE,
        target_namespace: 'local',
        input_dataset: `file:${data}`,
        input_model: 'tfidf',
        task: 'text-classification',
        backend: { type: 'local', trainer: 'baseline' },
      },
    ],
  });
  // Predictions need no Temporal: a lazy connection that is never used.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const receiver = await startReceiver({
    client,
    taskQueue: 'bench',
    pipelines: [pipeline!],
    webhookSecret: 'bench-secret',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('error', 'bench', new Writable({ write: (_c, _e, done) => done() })),
    modelsDir,
  });
  const url = `http://127.0.0.1:${receiver.port}/api/pipelines/${PIPELINE}/predict`;
  try {
    const samples: Sample[] = [];
    let stop = false;
    const clients = Array.from({ length: settings.clients }, async (_, c) => {
      for (let i = c; !stop; i++) {
        const t0 = performance.now();
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ inputs: INPUTS[i % INPUTS.length] }),
          });
          const body = (await res.json()) as { revision?: string };
          samples.push({ at: t0, ms: performance.now() - t0, ok: res.status === 200, revision: body.revision });
        } catch {
          samples.push({ at: t0, ms: performance.now() - t0, ok: false });
        }
      }
    });
    let current = 'rev-a';
    await sleep(1000); // the first model loads on the first request
    for (let rep = 0; rep < settings.reps; rep++) {
      const next = current === 'rev-a' ? 'rev-b' : 'rev-a';
      const beforeStart = performance.now();
      await sleep(settings.steadySeconds * 1000);
      const switchedAt = performance.now();
      registry.promote(PIPELINE, next);
      while (!samples.some((s) => s.at >= switchedAt && s.revision === next)) await sleep(20);
      const firstNew = samples.find((s) => s.at >= switchedAt && s.revision === next)!;
      const swapEnd = firstNew.at + firstNew.ms + settings.afterSwapSeconds * 1000;
      await sleep(Math.max(0, swapEnd - performance.now()));
      const afterStart = performance.now();
      await sleep(settings.steadySeconds * 1000);
      const afterEnd = performance.now();
      const phase = (from: number, to: number) =>
        figures(
          samples.filter((s) => s.at >= from && s.at < to),
          to - from,
        );
      results.reps.push({
        from: current,
        to: next,
        swapMs: firstNew.at + firstNew.ms - switchedAt,
        before: phase(beforeStart, switchedAt),
        swap: phase(switchedAt, swapEnd),
        after: phase(afterStart, afterEnd),
      });
      const r = results.reps.at(-1)!;
      log(
        `swap ${rep + 1}: ${Math.round(r.swapMs)} ms to the new model; req/s ${r.before.perSecond.toFixed(0)} / ${r.swap.perSecond.toFixed(0)} / ${r.after.perSecond.toFixed(0)}, p99 ${r.before.latencyMs.p99.toFixed(1)} / ${r.swap.latencyMs.p99.toFixed(1)} / ${r.after.latencyMs.p99.toFixed(1)} ms, failed ${r.before.failed + r.swap.failed + r.after.failed}`,
      );
      current = next;
    }
    stop = true;
    await Promise.all(clients);
  } finally {
    await receiver.close();
  }
  results.conditions.end = conditions();
  writeResults('serving-swap', results);
}

function figures(samples: Sample[], ms: number): PhaseFigures {
  return {
    seconds: ms / 1000,
    requests: samples.length,
    perSecond: samples.length / (ms / 1000),
    failed: samples.filter((s) => !s.ok).length,
    latencyMs: summarizeLatencies(samples.map((s) => s.ms)),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
