/**
 * One Temporal dev server and one workflow bundle for the whole test run; their address and path reach
 * the test files through the environment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { writeWorkflowBundles } from '../../src/temporal/workflow-bundle';

declare global {
  var __devServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-test-'));
  const [server, bundles] = await Promise.all([
    startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH }),
    // The production bundles: the plain one, and the traced one beside it that a worker with tracing on runs.
    writeWorkflowBundles(join(dir, 'workflow-bundle.js')),
  ]);
  globalThis.__devServer = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_BUNDLE = bundles.plain;
}
