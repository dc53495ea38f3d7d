/**
 * Replays every checked-in history against the current workflow code. A failure means a change to
 * workflow code would break workflows already running: guard it with patched() and record a new history
 * (`npm run histories:record`), keeping the old one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { tracedBundlePath } from '../../src/temporal/workflow-bundle';
import { workflowSinks } from '../../src/observability/workflow-sinks';
import { quietRuntime, testBundlePath } from '../helpers/temporal';
import { SCENARIOS } from './scenarios';

quietRuntime();
const DIR = join(__dirname, 'histories');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('every scenario has a checked-in history', () => {
  const recorded = files.map((f) => f.replace(/\.json$/, ''));
  expect(recorded).toEqual(expect.arrayContaining(Object.keys(SCENARIOS)));
});

// Both production bundles: the plain one (run metrics) and the traced one (plus the tracing interceptors),
// with their sinks. A worker's tracing setting may change between a run's start and its replay.
const bundles = { plain: testBundlePath(), traced: tracedBundlePath(testBundlePath()) };
const cases = files.flatMap((file) => (['plain', 'traced'] as const).map((bundle) => [file, bundle] as const));

test.each(cases)('%s replays without non-determinism on the %s bundle', async (file, bundle) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: bundles[bundle] }, sinks: workflowSinks() },
    history,
    file,
  );
});
