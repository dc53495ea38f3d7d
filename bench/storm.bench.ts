/**
 * Benchmark 4: a duplicate storm. 1,000 deliveries of the same commit within about 2 seconds (autocannon:
 * 50 connections, 500 requests/s overall) at the real receiver, with a worker running the pipeline against
 * the fakes. Every answer must be 2xx; then exactly one RetrainWorkflow and one backend project for the
 * commit. Each repetition storms its own pipeline; then the same against the receiver as it was before
 * issue 8 (BEFORE_REF), for the before/after in RESULTS.md.
 *
 *   tsx bench/storm.bench.ts [--quick] [--no-build]
 */
import { pipelineStateQuery, pipelineWorkflowId, retrainWorkflowId } from '../src/workflows/definitions';
import { LoadGenerator, jobFor } from './lib/load';
import { contentUpdate, JSON_HEADERS, requestFor, UNWATCHED } from './lib/payloads';
import { startPipelineStack } from './lib/pipeline-stack';
import { stopAll, waitFor } from './lib/processes';
import { startBench } from './lib/prologue';
import { conditions, writeResults } from './lib/results';
import { BEFORE_REF, buildBefore, log, SECRET, temporalVersion } from './lib/stack';
import type { LatencySummary } from './lib/stats';

const FULL = { reps: 5, deliveries: 1000, rate: 500, connections: 50 };
const QUICK: typeof FULL = { reps: 1, deliveries: 1000, rate: 500, connections: 50 };

export interface StormRun {
  receiver: 'hub-retrain' | 'hub-retrain-before';
  rep: number;
  deliveries: number;
  wallS: number;
  status: Record<string, number>;
  non2xx: number;
  latency: LatencySummary;
  /** RetrainWorkflow executions for the commit (visibility), backend projects and create calls. */
  retrainRuns: number;
  projects: number;
  createRequests: number;
  /** The pipeline's own counters: signals received (duplicates in flight at the receiver share one), dropped as duplicates, runs started. */
  counters: { updates: number; duplicates: number; runsStarted: number };
}

export interface StormResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  temporal: string;
  beforeRef: string;
  runs: StormRun[];
}

async function main(): Promise<void> {
  const { quick, settings, start } = await startBench('storm', FULL, QUICK);
  const variants = ['hub-retrain', 'hub-retrain-before'] as const;
  const nameOf = (v: number, rep: number) => `storm-${v}-${rep}`;
  const names = variants.flatMap((_, v) => Array.from({ length: settings.reps }, (_, rep) => nameOf(v, rep)));
  const beforeCli = buildBefore();
  const stack = await startPipelineStack({
    pipelines: names,
    script: { outcome: 'success', buildMs: 200, runMs: 500 },
    taskQueue: 'storm',
  });
  const client = stack.temporal.client;
  const load = LoadGenerator.start();
  const runs: StormRun[] = [];
  try {
    for (const [v, receiverName] of variants.entries()) {
      if (v > 0) await stack.swapReceiver(beforeCli);
      // Warm the receiver up (ignored events) so the storm does not also measure the JIT.
      await load.run(
        jobFor(`${stack.receiver.url}/webhook`, requestFor('no-pipeline', [UNWATCHED]), {
          connections: 8,
          durationS: 2,
        }),
      );
      for (let rep = 0; rep < settings.reps; rep++) {
        const name = nameOf(v, rep);
        const dataset = stack.datasetOf(name);
        const sha = stack.fakes.hub.pushCommit(dataset);
        const createsBefore = stack.fakes.autotrain.createRequests;
        const result = await load.run(
          jobFor(
            `${stack.receiver.url}/webhook`,
            { headers: { ...JSON_HEADERS, 'x-webhook-secret': SECRET }, body: contentUpdate(dataset, sha) },
            { connections: settings.connections, amount: settings.deliveries, overallRate: settings.rate },
          ),
        );
        const pipeline = client.workflow.getHandle(pipelineWorkflowId(name));
        // Every delivery was answered after Temporal held it; wait for the one run to finish.
        const state = await waitFor(
          async () => {
            const s = await pipeline.query(pipelineStateQuery);
            return s.lastResult?.revision === sha && !s.active && !s.waiting ? s : undefined;
          },
          120_000,
          `the pipeline ${name} to finish its run`,
        );
        const retrainRuns = await countRuns(client, retrainWorkflowId(name, sha));
        const run: StormRun = {
          receiver: receiverName,
          rep,
          deliveries: result.requests,
          wallS: result.wallS,
          status: result.status,
          non2xx:
            Object.entries(result.status).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0) +
            result.errors +
            result.timeouts,
          latency: result.latency,
          retrainRuns,
          projects: stack.fakes.autotrain.projectsStartingWith(`${name}-`).length,
          createRequests: stack.fakes.autotrain.createRequests - createsBefore,
          counters: state.counters,
        };
        runs.push(run);
        log(
          `${receiverName} storm ${rep}: ${run.deliveries} deliveries in ${run.wallS.toFixed(2)} s, ${JSON.stringify(run.status)}, ` +
            `p50 ${run.latency.p50.toFixed(1)} ms p99 ${run.latency.p99.toFixed(1)} ms max ${run.latency.max.toFixed(1)} ms; ` +
            `${retrainRuns} RetrainWorkflow, ${run.projects} project(s); counters ${JSON.stringify(state.counters)}`,
        );
      }
    }
  } finally {
    load.stop();
    await stack.stop();
    await stopAll();
  }
  const results: StormResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    temporal: temporalVersion(),
    beforeRef: BEFORE_REF,
    runs,
  };
  log(`wrote ${writeResults('storm', results, quick)}`);
}

/** Executions (all runs) with this workflow id, from visibility once it has caught up. */
async function countRuns(client: import('@temporalio/client').Client, workflowId: string): Promise<number> {
  return waitFor(
    async () => {
      let count = 0;
      for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        if (wf.status.name !== 'RUNNING') count += 1;
        else return undefined; // still settling
      }
      return count;
    },
    30_000,
    `visibility for ${workflowId}`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
