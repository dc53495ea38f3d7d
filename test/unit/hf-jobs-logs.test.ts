/** The log tail of a job: Server-Sent Events parsing, and reading a stream that stays open while the job runs. */
import { JobsClient } from '../../src/backends/hf-jobs/jobs-client';
import { logLine, parseSse, readLogTail } from '../../src/backends/hf-jobs/job-logs';
import { startJobsFakes, type JobsStack } from '../helpers/jobs-stack';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually } from '../helpers/temporal';

let fakes: JobsStack;

beforeAll(async () => {
  fakes = await startJobsFakes();
  fakes.jobs.keepAliveMs = 50;
});

afterAll(async () => {
  await fakes?.stop();
});

test('SSE text splits into complete events; comments carry no data and a partial event waits for the rest', () => {
  const text = 'data: {"data": "a"}\n\n: keep-alive\n\ndata: {"data": "b"}\r\n\r\ndata: {"da';
  expect(parseSse(text)).toEqual({ data: ['{"data": "a"}', '{"data": "b"}'], rest: 'data: {"da' });
});

test('a log event yields its line; the start banner and blank lines are not training output', () => {
  expect(logLine('{"data": "epoch 1/5", "timestamp": "2025-01-01T00:00:00Z"}')).toBe('epoch 1/5');
  expect(logLine('{"data": "===== Job started at 2025-01-01 00:00:00 =====", "timestamp": "x"}')).toBeUndefined();
  expect(logLine('{"data": "   ", "timestamp": "x"}')).toBeUndefined();
  expect(logLine('not json')).toBe('not json');
});

test('the tail of a running job arrives without waiting for the job to end, keep-alives ignored', async () => {
  fakes.jobs.defaultScript = { outcome: 'hang', schedulingMs: 10, logs: ['one', 'two', 'three', 'four'] };
  const client = new JobsClient(fakes.hub.url, TEST_TOKEN);
  const job = await client.run(TEST_USER, {
    dockerImage: 'python:3.12',
    command: ['python', '-c', 'print(1)'],
    arguments: [],
    environment: {},
    secrets: {},
    flavor: 'cpu-basic',
    timeoutSeconds: 60,
    labels: {},
  });
  await eventually(() => (fakes.jobs.job(job.id)?.logs.length === 5 ? true : undefined), 5000, 'banner and 4 lines');

  expect(await client.logTail(TEST_USER, job.id, 3)).toEqual(['two', 'three', 'four']);
  expect(fakes.jobs.job(job.id)?.stage).toBe('RUNNING');
  // Keep-alives (every 50 ms) do not hold the read open: with no deadline to speak of (an hour), the read still
  // ends once no log line has come for idleMs. Were keep-alives taken for lines, it would never end (the job
  // hangs) and this test would fail on its own timeout, however fast or slow the machine.
  const url = `${fakes.hub.url}/api/jobs/${encodeURIComponent(TEST_USER)}/${encodeURIComponent(job.id)}/logs`;
  const tail = await readLogTail(url, TEST_TOKEN, { lines: 2, idleMs: 500, maxMs: 3_600_000, fetch: globalThis.fetch });
  expect(tail).toEqual(['three', 'four']);
  expect(fakes.jobs.job(job.id)?.stage).toBe('RUNNING');
}, 60_000);
