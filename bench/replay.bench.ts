/**
 * Benchmark 7: replay cost. The time to replay every checked-in history (test/replay/histories) against the
 * current workflow code, as the replay test does: once one history at a time (a replay worker per history,
 * Worker.runReplayHistory, what test/replay/replay.test.ts does), and once all through one replay worker
 * (Worker.runReplayHistories). In this process; the bundle is built once, before the clock starts.
 *
 *   tsx bench/replay.bench.ts [--quick]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { conditions, isQuick, writeResults } from './lib/results';
import { log, ROOT } from './lib/stack';
import { spread, type Spread } from './lib/stats';

const FULL = { reps: 5 };
const QUICK: typeof FULL = { reps: 1 };

export interface ReplayResults {
  quick: boolean;
  settings: typeof FULL;
  conditions: { start: ReturnType<typeof conditions>; end?: ReturnType<typeof conditions> };
  histories: { file: string; events: number; ms: Spread }[];
  totalEvents: number;
  /** Every history through one replay worker (ms), and one replay worker per history (ms). */
  batchMs: Spread;
  oneByOneMs: Spread;
  failures: string[];
}

async function main(): Promise<void> {
  const quick = isQuick();
  const settings = quick ? QUICK : FULL;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const start = conditions();
  log(`replay bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);
  const noop = () => {};
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
  const dir = join(ROOT, 'test', 'replay', 'histories');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const histories = files.map((file) => ({
    file,
    history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
  }));
  const options = { workflowBundle: { code } };
  const perFile = new Map<string, number[]>(files.map((f) => [f, []]));
  const batch: number[] = [];
  const oneByOne: number[] = [];
  const failures: string[] = [];

  // One warm-up pass (loads the bundle into V8, JIT), not measured.
  await Worker.runReplayHistory(options, histories[0]!.history, histories[0]!.file);
  for (let rep = 0; rep < settings.reps; rep++) {
    let t0 = performance.now();
    for (const h of histories) {
      const t = performance.now();
      await Worker.runReplayHistory(options, h.history, h.file).catch((err: Error) =>
        failures.push(`${h.file}: ${err.message}`),
      );
      perFile.get(h.file)!.push(performance.now() - t);
    }
    oneByOne.push(performance.now() - t0);

    t0 = performance.now();
    for await (const result of Worker.runReplayHistories(
      options,
      histories.map((h) => ({ workflowId: h.file, history: h.history })),
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    batch.push(performance.now() - t0);
    log(`rep ${rep}: one by one ${oneByOne.at(-1)!.toFixed(0)} ms, batch ${batch.at(-1)!.toFixed(0)} ms`);
  }
  const results: ReplayResults = {
    quick,
    settings,
    conditions: { start, end: conditions() },
    histories: histories.map((h) => ({
      file: h.file,
      events: h.history.events?.length ?? 0,
      ms: spread(perFile.get(h.file)!),
    })),
    totalEvents: histories.reduce((n, h) => n + (h.history.events?.length ?? 0), 0),
    batchMs: spread(batch),
    oneByOneMs: spread(oneByOne),
    failures,
  };
  log(`${files.length} histories, ${results.totalEvents} events; failures: ${failures.length}`);
  log(`wrote ${writeResults('replay', results, quick)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
