/**
 * The limit: the receiver's own Temporal call (UpdateRecorder.record, a signalWithStart into pipeline:<name>)
 * made as fast as `concurrency` callers can, with no HTTP in front, in its own process like the receiver.
 * The parent (limit.bench.ts) sends a job over IPC and gets back the throughput and latency percentiles.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { PipelineSpec } from '../../src/config/config-schema';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import type { Delivery } from '../../src/workflows/definitions';
import { summarizeLatencies, type LatencySummary } from './stats';

export interface SignalJob {
  address: string;
  taskQueue: string;
  pipelines: PipelineSpec[];
  concurrency: number;
  durationS: number;
  warmupS: number;
}

export interface SignalResult {
  requests: number;
  failures: number;
  wallS: number;
  rps: number;
  latency: LatencySummary;
  clientCores: number;
}

async function drive(recorder: UpdateRecorder, job: SignalJob, seconds: number): Promise<SignalResult> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const caller = async () => {
    while (performance.now() < deadline) {
      const pipeline = job.pipelines[next++ % job.pipelines.length]!;
      const revision = randomBytes(20).toString('hex');
      const delivery: Delivery = {
        source: 'webhook',
        receivedAt: new Date().toISOString(),
        webhookId: '6651a0b9c8d7e6f5a4b3c2d1',
        event: { action: 'update', scope: 'repo.content' },
        oldSha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
        newSha: revision,
      };
      const started = performance.now();
      try {
        await recorder.record(pipeline, revision, delivery);
        latencies.push(performance.now() - started);
      } catch {
        failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, caller));
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    requests: latencies.length,
    failures,
    wallS,
    rps: latencies.length / wallS,
    latency: summarizeLatencies(latencies),
    clientCores: (cpu.user + cpu.system) / 1e6 / wallS,
  };
}

let client: Client | undefined;
export async function runSignalJob(job: SignalJob): Promise<SignalResult> {
  client ??= new Client({ connection: await Connection.connect({ address: job.address }), namespace: 'default' });
  const recorder = new UpdateRecorder(client, job.taskQueue, 5000);
  if (job.warmupS > 0) await drive(recorder, job, job.warmupS);
  return drive(recorder, job, job.durationS);
}

if (require.main === module) {
  process.on('message', (message: { id: number; job: SignalJob }) => {
    runSignalJob(message.job).then(
      (result) => process.send!({ id: message.id, result }),
      (err: Error) => process.send!({ id: message.id, error: err.stack ?? err.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
