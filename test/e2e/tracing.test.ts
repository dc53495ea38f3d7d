/**
 * Tracing end to end: `hub-retrain server` and `hub-retrain worker` as separate processes export OTLP/HTTP
 * (JSON) to a collector in this test, and one Hub delivery becomes one trace: the receiver's HTTP span (a
 * child of the caller's `traceparent`), signalWithStart, the pipeline, the child RetrainWorkflow and every
 * activity through notify.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mainPushDelivery } from '../helpers/deliveries';
import { startFakes, TEST_TOKEN, TEST_USER, type FakeStack } from '../helpers/stack';
import { eventually, testAddress, testBundlePath, unique } from '../helpers/temporal';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

const ROOT = join(__dirname, '..', '..');
const SECRET = 'tracing-webhook-secret';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

/** A minimal OTLP/HTTP JSON collector: POST /v1/traces. */
class Collector {
  readonly spans: ExportedSpan[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') this.collect(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private collect(body: string): void {
    type Attr = { key: string; value: { stringValue?: string } };
    const request = JSON.parse(body) as {
      resourceSpans?: Array<{
        resource?: { attributes?: Attr[] };
        scopeSpans?: Array<{ spans?: Array<Omit<ExportedSpan, 'service'>> }>;
      }>;
    };
    for (const rs of request.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) this.spans.push({ ...span, service });
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

let fakes: FakeStack;
let collector: Collector;
let worker: WorkerProcess | undefined;
let receiver: ChildProcess | undefined;

beforeAll(async () => {
  fakes = await startFakes();
  fakes.autotrain.defaultScript = { outcome: 'success', buildMs: 50, runMs: 300 };
  collector = await new Collector().start();
});

afterAll(async () => {
  if (receiver && receiver.exitCode === null) {
    const exited = new Promise((resolve) => receiver!.once('exit', resolve));
    receiver.kill('SIGTERM');
    await exited;
  }
  await worker?.stop();
  await collector?.stop();
  await fakes?.stop();
});

test('each delivery is one trace from the HTTP span through signalWithStart, both workflows and every activity', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-trace-'));
  const name = unique('traced');
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      pipelines: [
        {
          name,
          target_namespace: TEST_USER,
          input_dataset: fakes.dataset,
          input_model: 'microsoft/resnet-50',
          poll_interval_seconds: 1,
        },
      ],
    }),
  );
  const taskQueue = unique('trace');
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const common = {
    ...otel,
    TEMPORAL_ADDRESS: testAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    HF_ENDPOINT: fakes.hub.url,
    HF_TOKEN: TEST_TOKEN,
    AUTOTRAIN_API_URL: fakes.autotrain.url,
    RETRAIN_STATE_DIR: join(dir, 'state'),
  };
  worker = await spawnWorker(taskQueue, { ...common, WORKFLOW_BUNDLE_PATH: testBundlePath() });

  receiver = spawn(process.execPath, [join(ROOT, 'bin', 'hub-retrain.js'), 'server'], {
    env: { ...process.env, ...common, WEBHOOK_SECRET: SECRET, RETRAIN_CONFIG: config, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  receiver.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  receiver.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const port = await eventually(
    () => /"port":(\d+).*receiver listening/.exec(out)?.[1],
    60_000,
    `the receiver:\n${out}`,
  );

  /** A push to main, delivered inside the caller's own trace (as a proxy or the Hub could send one). */
  const deliver = async () => {
    const sha = fakes.hub.pushCommit(fakes.dataset);
    const payload = mainPushDelivery(fakes.dataset, sha);
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await fetch(`http://127.0.0.1:${port}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-webhook-secret': SECRET,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(202);
    return { traceId, callerSpanId };
  };
  const spansOf = (traceId: string, expected: string[], what: string) =>
    eventually(
      () => {
        const spans = collector.spans.filter((s) => s.traceId === traceId);
        const names = new Set(spans.map((s) => s.name));
        return expected.every((n) => names.has(n)) ? spans : undefined;
      },
      90_000,
      what,
    ).catch((err: Error) => {
      const names = [...new Set(collector.spans.filter((s) => s.traceId === traceId).map((s) => s.name))];
      throw new Error(`${err.message}\nspans in the trace: ${names.join(', ')}\n--- receiver ---\n${out}`);
    });

  const { traceId, callerSpanId } = await deliver();

  const expected = [
    'POST /webhook',
    'SignalWithStartWorkflow:PipelineWorkflow',
    'HandleSignal:datasetUpdated',
    'RunActivity:resolveRevision',
    'StartChildWorkflow:RetrainWorkflow',
    'RunWorkflow:RetrainWorkflow',
    'StartActivity:createProject',
    'RunActivity:createProject',
    'RunActivity:addData',
    'RunActivity:startProcessing',
    'RunActivity:awaitTraining',
    'RunActivity:evaluateModel',
    'StartActivity:notify',
    'RunActivity:notify',
  ];
  const trace = await spansOf(traceId, expected, 'every span of the trace');

  const http = trace.find((s) => s.name === 'POST /webhook')!;
  expect(http.parentSpanId).toBe(callerSpanId);
  expect(http.service).toBe('hub-retrain-receiver');
  const signal = trace.find((s) => s.name === 'SignalWithStartWorkflow:PipelineWorkflow')!;
  expect(signal.parentSpanId).toBe(http.spanId);
  expect(trace.find((s) => s.name === 'RunActivity:notify')?.service).toBe('hub-retrain-worker');

  // A later delivery to the pipeline, which is already running (started by the first): the run it causes
  // joins the later delivery's trace, not the pipeline's.
  const later = await deliver();
  const laterTrace = await spansOf(
    later.traceId,
    [
      'POST /webhook',
      'HandleSignal:datasetUpdated',
      'StartChildWorkflow:RetrainWorkflow',
      'RunWorkflow:RetrainWorkflow',
      'RunActivity:notify',
    ],
    "the later delivery's run in its trace",
  );
  expect(laterTrace.filter((s) => s.name === 'RunWorkflow:RetrainWorkflow')).toHaveLength(1);

  // Nothing secret went into a span.
  expect(JSON.stringify(collector.spans)).not.toContain(TEST_TOKEN);
  expect(JSON.stringify(collector.spans)).not.toContain(SECRET);
});
