/**
 * Worker Versioning on the Temporal CLI and SDK this project pins (README, "Changing workflow code"): two builds
 * of one workflow type run side by side as versions of one worker deployment; a run started on v1 stays pinned
 * to v1 after v2 becomes current, a run started after goes to v2, and v1 drains. Run it against a dev server:
 *
 *   temporal server start-dev --port 7299 --headless &
 *   TEMPORAL_ADDRESS=127.0.0.1:7299 npx tsx scripts/worker-versioning/try.ts
 *
 * It prints what it saw and exits 1 when a run went to the wrong build.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { go } from './gate';

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const deploymentName = `retrain-trial-${randomUUID().slice(0, 8)}`;
const taskQueue = `${deploymentName}-queue`;

async function worker(connection: NativeConnection, buildId: 'v1' | 'v2'): Promise<Worker> {
  return Worker.create({
    connection,
    taskQueue,
    workflowsPath: join(__dirname, `workflow-${buildId}.ts`),
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version: { deploymentName, buildId },
      defaultVersioningBehavior: 'PINNED',
    },
  });
}

/** Makes `buildId` the deployment's current version once the server has seen its worker poll. */
async function makeCurrent(client: Client, buildId: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName,
        buildId,
        identity: 'try.ts',
      });
      return;
    } catch (err) {
      if (tries > 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const v1 = await worker(connection, 'v1');
  const v1Running = v1.run();
  await makeCurrent(client, 'v1');
  const early = await client.workflow.start('versioned', { taskQueue, workflowId: `${deploymentName}-early` });

  const v2 = await worker(connection, 'v2');
  const v2Running = v2.run();
  await makeCurrent(client, 'v2');
  const late = await client.workflow.start('versioned', { taskQueue, workflowId: `${deploymentName}-late` });

  await Promise.all([early.signal(go), late.signal(go)]);
  const seen = { early: (await early.result()) as string, late: (await late.result()) as string };
  const described = await early.describe();
  console.log(JSON.stringify({ seen, earlyPinnedTo: described.raw.workflowExecutionInfo?.versioningInfo }, null, 2));
  v1.shutdown();
  v2.shutdown();
  await Promise.all([v1Running, v2Running]);
  await connection.close();
  process.exitCode = seen.early === 'v1' && seen.late === 'v2' ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
