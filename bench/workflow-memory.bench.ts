/**
 * Benchmark 6b: memory per cached workflow, for each production bundle. A worker holds one instance of its
 * bundle's modules per cached workflow, so what the bundle carries sets what the cache costs: the plain bundle
 * (run metrics only, what a worker without tracing runs) against the traced one (plus the OpenTelemetry
 * workflow interceptors). K PipelineWorkflows (idle, waiting for a signal: every one stays cached) on a worker
 * in this process with `debugMode` (workflows in the main isolate instead of a worker thread, so that their
 * heap is this process's), V8 heap in use after a full GC before and after; the bundles alternate.
 *
 *   tsx bench/workflow-memory.bench.ts [--quick] [--no-build]
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { tracedBundlePath } from '../src/temporal/workflow-bundle';
import { workflowSinks } from '../src/observability/workflow-sinks';
import { PIPELINE_WORKFLOW, type PipelineInput } from '../src/workflows/definitions';
import { startBench } from './lib/prologue';
import { pool, stopAll, waitFor } from './lib/processes';
import { conditions, writeResults } from './lib/results';
import { log, PRODUCT_BUNDLE, startTemporal } from './lib/stack';
import { spread, type Spread } from './lib/stats';

const FULL = { workflows: 300, reps: 3 };
const QUICK: typeof FULL = { workflows: 50, reps: 1 };

export type BundleName = 'plain' | 'traced';

export interface WorkflowMemoryResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  bundles: Record<BundleName, { bytes: number; kibPerWorkflow: Spread; startS: Spread }>;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** V8 heap in use (MiB) after full collections. */
function liveHeapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main(): Promise<void> {
  const { quick, settings, start } = await startBench('workflow-memory', FULL, QUICK);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const paths: Record<BundleName, string> = { plain: PRODUCT_BUNDLE, traced: tracedBundlePath(PRODUCT_BUNDLE) };
  const temporal = await startTemporal();
  const connection = await NativeConnection.connect({ address: temporal.address });
  const perWorkflow: Record<BundleName, number[]> = { plain: [], traced: [] };
  const startS: Record<BundleName, number[]> = { plain: [], traced: [] };
  try {
    for (let rep = 0; rep < settings.reps; rep++) {
      for (const bundle of ['plain', 'traced'] as const) {
        const taskQueue = `memory-${bundle}-${rep}`;
        const worker = await Worker.create({
          connection,
          taskQueue,
          workflowBundle: { codePath: paths[bundle] },
          sinks: workflowSinks(),
          debugMode: true,
          maxCachedWorkflows: settings.workflows * 2,
        });
        const running = worker.run();
        await waitFor(() => (worker.getState() === 'RUNNING' ? true : undefined), 30_000, 'the worker to run');
        const before = liveHeapMiB();
        const t0 = performance.now();
        const ids = Array.from({ length: settings.workflows }, (_, i) => `${taskQueue}-${i}`);
        await pool(ids, 16, (id) =>
          temporal.client.workflow.start(PIPELINE_WORKFLOW, {
            workflowId: id,
            taskQueue,
            args: [{ name: id } satisfies PipelineInput],
          }),
        );
        await waitFor(
          () => (worker.getStatus().numCachedWorkflows >= settings.workflows ? true : undefined),
          300_000,
          `${settings.workflows} cached workflows`,
        );
        startS[bundle].push((performance.now() - t0) / 1000);
        const kib = ((liveHeapMiB() - before) * 1024) / settings.workflows;
        perWorkflow[bundle].push(kib);
        log(`rep ${rep} ${bundle}: ${kib.toFixed(0)} KiB per cached workflow`);
        await pool(ids, 16, (id) => temporal.client.workflow.getHandle(id).terminate('benchmark over'));
        worker.shutdown();
        await running;
      }
    }
  } finally {
    await connection.close();
    await temporal.stop();
    await stopAll();
  }
  const figures = (b: BundleName) => ({
    bytes: statSync(paths[b]).size,
    kibPerWorkflow: spread(perWorkflow[b]),
    startS: spread(startS[b]),
  });
  const results: WorkflowMemoryResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    bundles: { plain: figures('plain'), traced: figures('traced') },
  };
  log(`wrote ${writeResults('workflow-memory', results, quick)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
