/**
 * Re-records test/replay/histories/*.json: runs every scenario in test/replay/scenarios.ts against a
 * fresh in-memory dev server and the fakes, and exports each workflow's history.
 *   npm run histories:record            (all)
 *   npm run histories:record -- NAME    (one)
 * Record a new history when a change to workflow code changes the commands it issues; keep the old
 * one too when running workflows could still be on the old code (and guard the change with patched()).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { startDevServer } from '../src/temporal/dev-server';
import { buildWorkflowBundle } from '../src/temporal/workflow-bundle';
import { workflowSinks } from '../src/observability/workflow-sinks';
import { startFakes } from '../test/helpers/stack';
import { SCENARIOS } from '../test/replay/scenarios';

const OUT = join(__dirname, '..', 'test', 'replay', 'histories');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const only = process.argv.slice(2);
  const names = Object.keys(SCENARIOS).filter((n) => only.length === 0 || only.includes(n));
  const server = await startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH });
  const fakes = await startFakes();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  // The traced production bundle, as a worker with tracing on runs it: its histories carry the tracing
  // headers. test/replay replays each on both bundles.
  const bundle = { code: await buildWorkflowBundle(true) };
  const taskQueue = 'record-histories';
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    sinks: workflowSinks(),
    // Local runs' supervisors tell their run through this server, as in service.
    activities: createActivities({
      ...fakes.activityDeps,
      temporal: { address: server.address, namespace: 'default' },
    }),
  });
  mkdirSync(OUT, { recursive: true });
  try {
    await worker.runUntil(async () => {
      for (const name of names) {
        const target = await SCENARIOS[name]!({ client, fakes, taskQueue });
        const [workflowId, runId] = target.split('#') as [string, string | undefined];
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        writeFileSync(join(OUT, `${name}.json`), historyToJSON(history));
        process.stdout.write(`recorded ${name} (${history.events?.length ?? 0} events)\n`);
      }
    });
  } finally {
    await nativeConnection.close();
    await connection.close();
    await fakes.stop();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
