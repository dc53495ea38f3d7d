/** Builds the workflow bundle once for every worker process of the suite, and a folder for the rows. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { temporalCli } from './processes';

export default async function globalSetup(): Promise<void> {
  // Found once, as `npm start` finds it, and handed to every scenario; none starts without it.
  process.env.TEMPORAL_CLI_PATH = temporalCli();
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-chaos-'));
  const noop = (): void => {};
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../../src/workflows'),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
  writeFileSync(join(dir, 'workflow-bundle.js'), bundle.code);
  process.env.CHAOS_BUNDLE = join(dir, 'workflow-bundle.js');
  process.env.CHAOS_RESULTS_DIR = join(dir, 'results');
  process.env.CHAOS_STARTED_AT = String(Date.now());
}
