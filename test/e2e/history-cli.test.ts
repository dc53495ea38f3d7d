/**
 * `hub-retrain history export` takes the histories of real runs from a live Temporal, and
 * `hub-retrain history replay` replays them against this code: a history the code cannot reproduce fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useWorkerStack } from '../helpers/stack';
import { testAddress, testBundlePath } from '../helpers/temporal';

const CLI = join(__dirname, '..', '..', 'bin', 'hub-retrain.js');
const stack = useWorkerStack('history');

const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      WORKFLOW_BUNDLE_PATH: testBundlePath(),
      LOG_LEVEL: 'error',
    },
    timeout: 120_000,
  });

test('a finished run is exported from Temporal and replays against this code; a tampered history fails', async () => {
  const handle = await stack.startRetrain();
  await handle.result();

  const out = mkdtempSync(join(tmpdir(), 'histories-'));
  const exported = cli(['history', 'export', '--query', `WorkflowId = '${handle.workflowId}'`, '--out', out]);
  expect(exported.status).toBe(0);
  const [file] = readdirSync(out);
  expect(file).toMatch(/^retrain_.*\.json$/);

  const replayed = cli(['history', 'replay', join(out, file!)]);
  expect(replayed.stdout).toContain('ok');
  expect(replayed.status).toBe(0);

  // The same history, but the workflow "scheduled" an activity this code never schedules there.
  const tampered = join(out, 'tampered.json');
  writeFileSync(tampered, readFileSync(join(out, file!), 'utf8').replace(/"createProject"/g, '"deleteEverything"'));
  const failed = cli(['history', 'replay', tampered]);
  expect(failed.status).toBe(1);
  expect(failed.stdout).toContain('FAIL');
});
