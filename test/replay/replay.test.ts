/**
 * Replays every checked-in history against the current workflow code. A failure means a change to
 * workflow code would break workflows already running: guard it with patched() and record a new history
 * (`npm run histories:record`), keeping the old one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowSinks } from '../../src/worker';
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

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
  // The production bundle, with the tracing and run-metrics workflow interceptors and their sinks.
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: testBundlePath() }, sinks: workflowSinks() },
    history,
    file,
  );
});
