/**
 * Benchmark 5: webhook to training start. The time from sending a delivery to the backend's start call
 * (the fake AutoTrain's create_project, which starts the training Space), with debounce_seconds 0, through
 * the real receiver, Temporal, the worker's PipelineWorkflow (resolve main on the fake Hub, start the child)
 * and the RetrainWorkflow's createProject, addData and startProcessing.
 *
 * First every pipeline gets its first delivery ("cold": the PipelineWorkflow starts with it), then deliveries
 * go round the pipelines one at a time ("warm": the long-lived PipelineWorkflow exists, as in service), each
 * pipeline's previous run finished before its next delivery.
 *
 *   tsx bench/delivery-to-start.bench.ts [--quick] [--no-build]
 */
import { pipelineStateQuery, pipelineWorkflowId, retrainWorkflowId } from '../src/workflows/definitions';
import { contentUpdate, JSON_HEADERS } from './lib/payloads';
import { startPipelineStack, type PipelineStack } from './lib/pipeline-stack';
import { sleep, stopAll, waitFor } from './lib/processes';
import { startBench } from './lib/prologue';
import { conditions, writeResults } from './lib/results';
import { log, SECRET, temporalVersion } from './lib/stack';
import { summarizeLatencies, type LatencySummary } from './lib/stats';

const FULL = { pipelines: 10, warm: 60, gapMs: 300 };
const QUICK: typeof FULL = { pipelines: 3, warm: 6, gapMs: 300 };

export interface DeliverySample {
  pipeline: string;
  kind: 'cold' | 'warm';
  /** Delivery sent -> receiver's 202, and delivery sent -> the backend's start call (ms). */
  answerMs: number;
  startMs: number;
}

export interface DeliveryResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  temporal: string;
  samples: DeliverySample[];
  cold: LatencySummary;
  warm: LatencySummary;
  answer: LatencySummary;
}

async function main(): Promise<void> {
  const { quick, settings, start } = await startBench('delivery-to-start', FULL, QUICK);
  const names = Array.from({ length: settings.pipelines }, (_, i) => `d2s-${i}`);
  // A short training (build 100 ms, run 100 ms): each run ends at its second poll, about 5 s after its start.
  const stack = await startPipelineStack({
    pipelines: names,
    script: { outcome: 'success', buildMs: 100, runMs: 100 },
    taskQueue: 'd2s',
  });
  const samples: DeliverySample[] = [];
  const lastRun = new Map<string, string>();
  try {
    // Warm the receiver's and the worker's code paths on a throwaway delivery first.
    await deliver(stack, names[0]!, 'cold', lastRun);
    await sleep(1000);
    for (const name of names.slice(1)) {
      samples.push(await deliver(stack, name, 'cold', lastRun));
      await sleep(settings.gapMs);
    }
    for (let i = 0; i < settings.warm; i++) {
      samples.push(await deliver(stack, names[i % names.length]!, 'warm', lastRun));
      await sleep(settings.gapMs);
    }
  } finally {
    await stack.stop();
    await stopAll();
  }
  const of = (kind: DeliverySample['kind']) =>
    summarizeLatencies(samples.filter((s) => s.kind === kind).map((s) => s.startMs));
  const results: DeliveryResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    temporal: temporalVersion(),
    samples,
    cold: of('cold'),
    warm: of('warm'),
    answer: summarizeLatencies(samples.map((s) => s.answerMs)),
  };
  log(
    `warm: median ${results.warm.p50.toFixed(0)} ms, p99 ${results.warm.p99.toFixed(0)} ms (n=${results.warm.count}); ` +
      `cold: median ${results.cold.p50.toFixed(0)} ms (n=${results.cold.count}); receiver answer median ${results.answer.p50.toFixed(1)} ms`,
  );
  log(`wrote ${writeResults('delivery-to-start', results, quick)}`);
}

/** One delivery of a new commit; resolves when the backend's start call for it has been made. */
async function deliver(
  stack: PipelineStack,
  name: string,
  kind: DeliverySample['kind'],
  lastRun: Map<string, string>,
): Promise<DeliverySample> {
  const client = stack.temporal.client;
  // The pipeline's previous run must have ended and the pipeline must have noted it (idle, as a pipeline is between
  // pushes), or the new revision would wait behind it.
  const previous = lastRun.get(name);
  if (previous) {
    await client.workflow.getHandle(previous).result();
    const pipeline = client.workflow.getHandle(pipelineWorkflowId(name));
    await waitFor(
      async () => {
        const s = await pipeline.query(pipelineStateQuery);
        return !s.active && !s.waiting ? true : undefined;
      },
      60_000,
      `${name} to be idle`,
    );
  }
  const dataset = stack.datasetOf(name);
  const sha = stack.fakes.hub.pushCommit(dataset);
  const projectPrefix = `${name}-${sha.slice(0, 7)}`;
  const body = contentUpdate(dataset, sha);
  const sent = Date.now();
  const t0 = performance.now();
  const res = await fetch(`${stack.receiver.url}/webhook`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, 'x-webhook-secret': SECRET },
    body,
  });
  const answerMs = performance.now() - t0;
  if (res.status !== 202) throw new Error(`delivery answered ${res.status}: ${await res.text()}`);
  const project = await waitFor(
    () => stack.fakes.autotrain.projectsStartingWith(projectPrefix)[0],
    60_000,
    `the training start for ${name}@${sha.slice(0, 7)}`,
  );
  lastRun.set(name, retrainWorkflowId(name, sha));
  const sample: DeliverySample = { pipeline: name, kind, answerMs, startMs: project.createdAt - sent };
  log(`${kind} ${name}: 202 after ${answerMs.toFixed(1)} ms, training started after ${sample.startMs} ms`);
  return sample;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
