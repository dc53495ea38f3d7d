/**
 * One Temporal dev server and one workflow bundle for the whole test run; their address and path reach
 * the test files through the environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle';

declare global {
  var __devServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const [server, bundle] = await Promise.all([
    startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH }),
    // The production bundle: the workflows with the tracing and run-metrics interceptors.
    buildWorkflowBundle(),
  ]);
  globalThis.__devServer = server;
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-test-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle);
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_BUNDLE = bundlePath;
}
