/**
 * The load generator: autocannon (as a library) in its own process, so it never shares a core's event loop
 * with the server under test. The parent (bench/lib/load.ts) sends it jobs over IPC; it answers with the
 * throughput, exact latency percentiles (from every response's own time, not autocannon's 1-ms histogram),
 * the status codes seen, and how busy the generator itself was.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { summarizeLatencies, type LatencySummary } from './stats';

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Per-request bodies: `datasetPlaceholder` and `shaPlaceholder` replaced (rotating datasets, fresh sha). */
  template?: { body: string; datasets: string[]; datasetPlaceholder: string; shaPlaceholder: string };
  connections: number;
  /** Seconds; or `amount` requests. */
  durationS?: number;
  amount?: number;
  /** Requests per second over all connections (autocannon paces per connection, per second). */
  overallRate?: number;
  /** A run first, not measured, to warm up both sides. */
  warmupS?: number;
  timeoutS?: number;
}

export interface LoadResult {
  requests: number;
  wallS: number;
  rps: number;
  latency: LatencySummary;
  status: Record<string, number>;
  errors: number;
  timeouts: number;
  /** CPU the generator used, as a share of one core: near 1 means the generator may be the bottleneck. */
  generatorCores: number;
  startedAt: string;
}

function bodies(job: LoadJob): (() => string) | undefined {
  const t = job.template;
  if (!t) return undefined;
  const perDataset = t.datasets.map((d) => t.body.replaceAll(t.datasetPlaceholder, d));
  let i = 0;
  return () => perDataset[i++ % perDataset.length]!.replaceAll(t.shaPlaceholder, randomBytes(20).toString('hex'));
}

function runOnce(job: LoadJob, durationS: number | undefined, amount: number | undefined): Promise<LoadResult> {
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  const next = bodies(job);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        method: 'POST',
        headers: job.headers,
        body: job.body,
        connections: job.connections,
        ...(amount !== undefined ? { amount } : { duration: durationS ?? 5 }),
        ...(job.overallRate ? { overallRate: job.overallRate } : {}),
        timeout: job.timeoutS ?? 30,
        ...(next
          ? {
              requests: [
                {
                  setupRequest: (req: autocannon.Request) => {
                    req.body = next();
                    return req;
                  },
                },
              ],
            }
          : {}),
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const wallS = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        resolve({
          requests: latencies.length,
          wallS,
          rps: latencies.length / wallS,
          latency: summarizeLatencies(latencies),
          status,
          errors: result.errors,
          timeouts: result.timeouts,
          generatorCores: (cpu.user + cpu.system) / 1e6 / wallS,
          startedAt,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      status[statusCode] = (status[statusCode] ?? 0) + 1;
    });
  });
}

export async function runJob(job: LoadJob): Promise<LoadResult> {
  if (job.warmupS) await runOnce(job, job.warmupS, undefined);
  return runOnce(job, job.durationS, job.amount);
}

if (require.main === module) {
  process.on('message', (message: { id: number; job: LoadJob }) => {
    runJob(message.job).then(
      (result) => process.send!({ id: message.id, result }),
      (err: Error) => process.send!({ id: message.id, error: err.stack ?? err.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
