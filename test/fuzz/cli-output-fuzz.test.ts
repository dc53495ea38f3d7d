/**
 * The CLI's human-readable output under hostile data (issue 15): a delivery id, a message or a metric name
 * holding terminal control sequences (`ESC[2J`, an OSC title, `\r`, C1 CSI, bidi overrides) must never reach
 * the terminal raw, whatever the receiver answers. The real commands (`show`, `pipelines`, `runs`, `watch`,
 * `trigger`) run in-process against an HTTP server that answers generated views; `--json` stays exact JSON.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import fc from 'fast-check';
import { registerApiCommands } from '../../src/cli/api-commands';
import type { PipelineView, RunDetailView, RunSummaryView } from '../../src/server/api/api-schemas';

/** Characters a terminal acts on rather than shows. A newline is the formatter's own, between lines. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const hostileUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\x1b[2J', '\x1b]0;owned\x07', '\r', '\n', '\x9b31m', '\x7f', '\u202e') },
  { weight: 1, arbitrary: fc.constantFrom('\x00', '\b', '\t', '\x1b', '\x07', '\x85', '\u2028', '\u2066') },
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) },
);
const hostileString = fc.array(hostileUnit, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

const NOW = '2026-12-01T10:00:00.000Z';

const detail: RunDetailView = {
  workflowId: 'retrain:p:0123456789abcdef0123456789abcdef01234567',
  runId: 'run-1',
  pipeline: 'p',
  dataset: 'acme/ds',
  revision: '0123456789abcdef0123456789abcdef01234567',
  status: 'running',
  executionStatus: 'RUNNING',
  stage: 'awaiting-approval',
  outcome: 'failed',
  startedAt: NOW,
  endedAt: NOW,
  jobId: 'job',
  links: { temporal: 'http://ui', job: 'http://job', model: 'http://model', discussion: 'http://d' },
  live: true,
  note: 'note',
  backend: 'autotrain',
  backendStatus: 'RUNNING',
  progress: 0.5,
  message: 'message',
  metrics: { accuracy: 0.9 },
  timings: { created: NOW },
  delivery: { source: 'webhook', receivedAt: NOW, webhookId: 'id', event: { action: 'update', scope: 'repo.content' } },
  approval: { requested: NOW, decided: NOW, decision: 'approved', by: 'alice' },
  error: 'error',
  logTail: ['one', 'two'],
  compensationErrors: ['comp'],
  announcementErrors: ['ann'],
  promotion: { promoted: true, reason: 'better', metric: 'accuracy' },
  polls: 3,
  nextCheckAt: NOW,
  lastCheckError: 'check',
};

const summary: RunSummaryView = {
  workflowId: detail.workflowId,
  runId: 'run-1',
  pipeline: 'p',
  revision: detail.revision,
  status: 'failed',
  executionStatus: 'FAILED',
  stage: 'compensated',
  outcome: 'failed',
  startedAt: NOW,
  endedAt: NOW,
  links: { temporal: 'http://ui' },
};

const pipeline: PipelineView = {
  name: 'p',
  dataset: 'acme/ds',
  model: 'm',
  task: 'text-classification',
  backend: 'local',
  workflowId: 'pipeline:p',
  policy: { debounceSeconds: 0, onNewRevision: 'queue', approval: 'none' },
  started: true,
  live: false,
  note: 'note',
  active: { workflowId: detail.workflowId, revision: detail.revision!, startedAt: NOW, stage: 'training', links: {} },
  waiting: { revision: 'abc', since: NOW, delivery: { source: 'api', receivedAt: NOW } },
  lastResult: { workflowId: 'w', revision: 'r', startedAt: NOW, endedAt: NOW, outcome: 'failed', message: 'm' },
  recent: [],
  superseded: [{ revision: 'a', by: 'b', at: NOW, reason: 'newer-update' }],
  counters: { updates: 1, duplicates: 0, runsStarted: 1 },
};

/** Maps whose keys are data (metric names, stages), not field names. */
const DATA_KEYS = new Set(['metrics', 'timings']);

/** A copy of `value` with every string (and every key of a data map) replaced by the next of `strings`. */
function poisoned<T>(value: T, strings: string[]): T {
  let i = 0;
  const next = () => strings[i++ % strings.length]!;
  const walk = (v: unknown, dataKeys = false): unknown => {
    if (typeof v === 'string') return next();
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [dataKeys ? next() : k, walk(x, DATA_KEYS.has(k))]));
    }
    return v;
  };
  return walk(value) as T;
}

/** The receiver's API, answering whatever the test sets (the CLI must not trust it to be tidy). */
let server: Server;
let url: string;
let answers: { run?: unknown; runs?: unknown; pipelines?: unknown; trigger?: unknown } = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const body =
      req.method === 'POST'
        ? answers.trigger
        : path === '/api/pipelines'
          ? answers.pipelines
          : path === '/api/runs'
            ? answers.runs
            : answers.run;
    req.resume();
    res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** Runs `hub-retrain <args>` in this process (the real command definitions) and returns what it printed. */
async function cli(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerApiCommands(program);
  let printed = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await program.parseAsync([...args, '--url', url], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return printed;
}

const lines = (text: string) => text.split('\n').length;

test.each([
  ['show', () => ['show', 'retrain:p:x']],
  ['pipelines', () => ['pipelines']],
  ['runs', () => ['runs']],
  ['watch', () => ['watch', 'retrain:p:x', '--interval', '1']],
  // --no-wait: the answer itself; the waiting form looks the pipeline up by name, which the poison replaces.
  ['trigger', () => ['trigger', 'p', '--no-wait']],
])('%s: control characters from the receiver are shown escaped, never sent to the terminal', async (_name, args) => {
  await fc.assert(
    fc.asyncProperty(fc.array(hostileString, { minLength: 1, maxLength: 8 }), async (strings) => {
      // watch ends once the run has ended: keep its status as it is.
      answers = {
        run: { ...poisoned(detail, strings), status: 'succeeded' },
        runs: { runs: [poisoned(summary, strings), poisoned(summary, [...strings].reverse())], query: 'q' },
        pipelines: { pipelines: [poisoned(pipeline, strings)] },
        trigger: poisoned({ accepted: true, pipeline: 'p', workflowId: 'w', message: 'm' }, strings),
      };
      const hostile = await cli(args());
      expect(hostile).not.toMatch(RAW_CONTROL);
      // Escaped, a hostile value stays on its line: as many lines as with tidy values that are equal where the
      // hostile ones are (watch prints a line per stage passed, so which values coincide matters).
      const tidy = strings.map((s) => `x${strings.indexOf(s)}`);
      answers = {
        run: { ...poisoned(detail, tidy), status: 'succeeded' },
        runs: { runs: [poisoned(summary, tidy), poisoned(summary, [...tidy].reverse())], query: 'q' },
        pipelines: { pipelines: [poisoned(pipeline, tidy)] },
        trigger: poisoned({ accepted: true, pipeline: 'p', workflowId: 'w', message: 'm' }, tidy),
      };
      expect(lines(hostile)).toBe(lines(await cli(args())));
    }),
    { numRuns: 25, seed: 15 },
  );
});

test('the probe as reported: a delivery id with ESC[2J, a title sequence and \\r is shown escaped by show', async () => {
  const webhookId = '\x1b[2J\x1b]0;hub-retrain: all good\x07\rstatus      succeeded';
  answers.run = { ...detail, delivery: { source: 'webhook', receivedAt: NOW, webhookId } };
  const text = await cli(['show', 'retrain:p:x']);
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text).toContain('delivery    webhook \\x1b[2J\\x1b]0;hub-retrain: all good\\x07\\rstatus      succeeded at');
  // --json is exact JSON: the id comes back byte for byte.
  const json = JSON.parse(await cli(['show', 'retrain:p:x', '--json'])) as RunDetailView;
  expect(json.delivery?.webhookId).toBe(webhookId);
});
