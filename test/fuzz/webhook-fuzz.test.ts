/**
 * Bad input, generated: random and adversarial deliveries over raw HTTP to the real receiver (recording
 * into the real Temporal dev server). Only documented status codes, no crash, nothing recorded that was
 * not answered 202, memory flat; slow bodies are cut off; a flood of wrong secrets does not stall
 * valid deliveries. The counts are printed for the README's Reliability section.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { Client } from '@temporalio/client';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { startReceiver, type Receiver } from '../../src/server/serve';
import { pipelineWorkflowId } from '../../src/workflows/definitions';
import { testClient, unique } from '../helpers/temporal';

const SECRET = 'fuzz-webhook-secret-0123';
const DOCUMENTED = new Set([200, 202, 400, 401, 403, 413, 415]);
const FIXTURE = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8'),
) as Record<string, unknown>;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

let client: Client;
let receiver: Receiver;
let taskQueue: string;
let pipelineName: string;
const tally = { inputs: 0, accepted: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  client = await testClient();
  taskQueue = unique('fuzz');
  pipelineName = unique('fuzzed');
  receiver = await startReceiver({
    client,
    taskQueue,
    pipelines: parseConfig({
      target_namespace: 'acme',
      input_dataset: 'acme/product-images',
      input_model: 'm',
      autotrain_project_prefix: pipelineName,
    }),
    webhookSecret: SECRET,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    temporalTimeoutMs: 5000,
    requestTimeoutMs: 2000,
  });
});

afterAll(async () => {
  await receiver?.close();
  await client.workflow
    .getHandle(pipelineWorkflowId(pipelineName))
    .terminate('fuzz over')
    .catch(() => undefined);
  await client?.connection.close();
  const statuses = [...tally.byStatus.entries()]
    .sort()
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ');
  process.stdout.write(`webhook fuzz: ${tally.inputs} inputs (${statuses}); ${tally.accepted} accepted\n`);
});

interface RawRequest {
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  method?: string;
  path?: string;
}

/** One request over a fresh raw connection; resolves with the status, never throws on a bad answer. */
function send(req: RawRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = req.body ?? '';
    const r = httpRequest(
      {
        host: '127.0.0.1',
        port: receiver.port,
        method: req.method ?? 'POST',
        path: req.path ?? '/webhook',
        headers: { 'content-length': Buffer.byteLength(body), ...req.headers },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          tally.inputs += 1;
          tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
          if (status === 202) tally.accepted += 1;
          resolve(status);
        });
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

const json = (body: unknown, headers: Record<string, string | string[]> = {}) =>
  send({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET, ...headers },
  });

/** A value of any JSON-ish shape, including the keys that trip naive object handling. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom<unknown>(
    { ['__proto__']: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
    null,
    [],
    '',
  ),
  fc.string({ maxLength: 5000 }),
  fc.array(fc.integer(), { maxLength: 2000 }),
);

/** Replaces, deletes or nests one field of the valid fixture. */
const mutatedFixture = fc
  .tuple(
    fc.constantFrom(
      'event',
      'event.action',
      'event.scope',
      'repo',
      'repo.type',
      'repo.name',
      'repo.headSha',
      'updatedRefs',
      'webhook',
      'webhook.version',
      'webhook.id',
    ),
    fc.constantFrom('set', 'delete', 'nest'),
    hostile,
  )
  .map(([path, op, value]) => {
    const copy = JSON.parse(JSON.stringify(FIXTURE)) as Record<string, unknown>;
    const keys = path.split('.');
    let target = copy;
    for (const key of keys.slice(0, -1)) target = (target[key] ?? {}) as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    if (op === 'delete') delete target[last];
    else if (op === 'set') target[last] = value;
    else target[last] = deepNest(value, 200);
    return copy;
  });

function deepNest(value: unknown, depth: number): unknown {
  let out = value;
  for (let i = 0; i < depth; i++) out = { nested: out };
  return out;
}

test('random JSON values with the right secret get a documented answer and are never recorded', async () => {
  await fc.assert(
    fc.asyncProperty(hostile, async (value) => {
      const status = await json(value);
      return status === 400 || status === 200;
    }),
    { numRuns: RUNS },
  );
});

test('the valid fixture with one field broken, deleted or deeply nested: documented answers only', async () => {
  await fc.assert(
    fc.asyncProperty(mutatedFixture, async (payload) => DOCUMENTED.has(await json(payload))),
    { numRuns: RUNS },
  );
});

test('headers: secret header case variants, repeated secret headers, and content types', async () => {
  const variants = fc.record({
    secretName: fc.constantFrom('X-Webhook-Secret', 'x-webhook-secret', 'X-WEBHOOK-SECRET', 'x-Webhook-secret'),
    secretValue: fc.oneof(
      fc.constant<string | string[]>(SECRET),
      fc.constant<string | string[]>([SECRET, SECRET]),
      fc.constant<string | string[]>([SECRET, 'other']),
      fc.string({ maxLength: 40 }),
    ),
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/vnd.api+json',
      '',
    ),
  });
  await fc.assert(
    fc.asyncProperty(variants, async ({ secretName, secretValue, contentType }) => {
      const headers: Record<string, string | string[]> = { [secretName]: secretValue };
      if (contentType) headers['content-type'] = contentType;
      const status = await send({ body: JSON.stringify(FIXTURE), headers });
      const rightSecret = secretValue === SECRET;
      const jsonType = contentType.startsWith('application/json') || contentType === 'application/vnd.api+json';
      // The server sees a header value without its surrounding spaces (RFC 9110 §5.5): only spaces is no value.
      const noValue = typeof secretValue === 'string' && secretValue.trim() === '';
      if (!rightSecret) return status === (noValue ? 401 : 403);
      return jsonType ? status === 202 : status === 415;
    }),
    { numRuns: RUNS },
  );
});

test('arbitrary bytes (invalid UTF-8 included), truncated JSON and oversized bodies: 400 or 413, no crash', async () => {
  const headers = { 'content-type': 'application/json', 'x-webhook-secret': SECRET };
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 4096 }),
      async (bytes) => (await send({ body: Buffer.from(bytes), headers })) === 400,
    ),
    { numRuns: RUNS },
  );
  const text = JSON.stringify(FIXTURE);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: text.length - 1 }),
      async (cut) => (await send({ body: text.slice(0, cut), headers })) === 400,
    ),
    { numRuns: RUNS },
  );
  for (const size of [1024 * 1024 + 1, 3 * 1024 * 1024]) {
    expect(await send({ body: Buffer.alloc(size, 0x20), headers })).toBe(413);
  }
  const depth = 100_000;
  expect(await send({ body: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, headers })).toBe(400);
  expect(await send({ body: `${'['.repeat(depth)}${']'.repeat(depth)}`, headers })).toBe(400);
});

test('nothing was recorded that was not answered 202: the signals in Temporal match the accepted deliveries', async () => {
  const history = await client.workflow
    .getHandle(pipelineWorkflowId(pipelineName))
    .fetchHistory()
    .catch(() => undefined);
  const signals = (history?.events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'datasetUpdated',
  ).length;
  expect(signals).toBe(tally.accepted);
  const others: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
    if (wf.workflowId !== pipelineWorkflowId(pipelineName)) others.push(wf.workflowId);
  expect(others).toEqual([]);
});

/** A real garbage collection before each sample, so the numbers compare live objects, not garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

test('memory stays flat over thousands of bad requests', async () => {
  const sample = () => {
    collectGarbage();
    return process.memoryUsage().heapUsed;
  };
  const bad = () =>
    send({ body: '{"event": ', headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET } });
  for (let i = 0; i < 500; i++) await bad(); // warm up
  const before = sample();
  for (let i = 0; i < 3000; i++) await bad();
  const growthMb = (sample() - before) / 1024 / 1024;
  process.stdout.write(`heap growth over 3000 bad requests: ${growthMb.toFixed(1)} MiB\n`);
  expect(growthMb).toBeLessThan(16);
});

test('a slowloris body is cut off at the request timeout, and valid deliveries keep flowing meanwhile', async () => {
  const socket = connect(receiver.port, '127.0.0.1');
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  socket.on('error', () => undefined);
  const started = Date.now();
  socket.write(
    `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Webhook-Secret: ${SECRET}\r\nContent-Length: 1000\r\n\r\n{`,
  );
  const drip = setInterval(() => socket.writable && socket.write(' '), 200);
  expect(await json(FIXTURE)).toBe(202);
  const end = await closed;
  clearInterval(drip);
  expect(end - started).toBeLessThan(15_000);
});

test('a flood of wrong-secret requests gets 403s and does not stall valid deliveries', async () => {
  let flooding = true;
  let rejected = 0;
  const flood = (async () => {
    const wrong = {
      body: JSON.stringify(FIXTURE),
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'wrong-secret' },
    };
    while (flooding) {
      const statuses = await Promise.all(Array.from({ length: 20 }, () => send(wrong)));
      rejected += statuses.filter((s) => s === 403).length;
      expect(statuses.every((s) => s === 403)).toBe(true);
    }
  })();
  const latencies: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    expect(await json(FIXTURE)).toBe(202);
    latencies.push(performance.now() - t);
  }
  flooding = false;
  await flood;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  process.stdout.write(
    `valid deliveries during a flood of ${rejected} wrong-secret requests: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms\n`,
  );
  expect(rejected).toBeGreaterThan(0);
});

/** Writes `head` on a raw connection (and nothing more) and resolves with the status line the server answers. */
function statusLineFor(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(receiver.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => (received ? resolve(received.split('\r\n')[0]!) : reject(new Error('closed, no answer'))));
    socket.write(head);
  });
}

test("Node's own answers before the app sees a request: 431 for oversized headers, 408 for a slow client", async () => {
  // Headers over Node's 16 KiB limit (--max-http-header-size).
  const big = await statusLineFor(
    `POST /webhook HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\nContent-Length: 0\r\n\r\n`,
  );
  expect(big).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  // Headers that never end: cut at the request timeout (2 s here, 30 s by default) with a 408.
  const slow = await statusLineFor(`POST /webhook HTTP/1.1\r\nHost: x\r\nX-Webhook-Secret: ${SECRET}\r\n`);
  expect(slow).toBe('HTTP/1.1 408 Request Timeout');
});
