import { createLogger, logFormatFor } from '../../src/logging';
import { PinoSdkLogger } from '../../src/temporal/sdk-logger';

function capture(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

test('LOG_FORMAT chooses; unset, a terminal gets pretty lines and a pipe or file gets JSON', () => {
  expect(logFormatFor(undefined, true)).toBe('pretty');
  expect(logFormatFor(undefined, false)).toBe('json');
  expect(logFormatFor('json', true)).toBe('json');
  expect(logFormatFor('pretty', false)).toBe('pretty');
});

test('a quiet pretty log shows run events, warnings and errors, and drops the rest of info', () => {
  const out = capture();
  const logger = createLogger({ level: 'info', format: 'pretty', quiet: true, destination: out });
  logger.info({ folder: '/x' }, 'watching dataset folder');
  logger.info({ method: 'GET', path: '/', status: 200 }, 'request');
  logger.info({ event: 'stage', stage: 'training', workflowId: 'retrain:p:abc', runId: 'r1' }, 'stage: training');
  logger.warn({ pipeline: 'p' }, 'folder watcher');
  logger.error('could not start');
  const text = out.lines.join('');
  expect(text).not.toContain('watching dataset folder');
  expect(text).not.toContain('request');
  expect(text).toMatch(/INFO.*retrain:p:abc: stage: training\n/);
  expect(text).not.toContain('r1'); // a run event is one sentence
  expect(text).toMatch(/WARN.*folder watcher/);
  expect(text).toMatch(/ERROR.*could not start/);
  expect(text).not.toContain('{"level"');
});

test('with LOG_LEVEL set the pretty log shows every line of that level; JSON stays JSON', () => {
  const out = capture();
  createLogger({ level: 'info', format: 'pretty', quiet: false, destination: out }).info('watching dataset folder');
  expect(out.lines.join('')).toContain('watching dataset folder');
  const json = capture();
  createLogger({ level: 'info', format: 'json', destination: json }).info({ a: 1 }, 'hello');
  expect(JSON.parse(json.lines[0] ?? '')).toMatchObject({ level: 30, msg: 'hello', a: 1 });
});

test("the SDK's own info lines (the bundle's build statistics, worker state) are debug; a task token never reaches info", () => {
  const out = capture();
  const sdk = new PinoSdkLogger(createLogger({ level: 'info', format: 'json', destination: out }));
  sdk.info('asset workflow-bundle-94e17e.js 1.69 MiB [emitted] [immutable] (name: main)', { sdkComponent: 'worker' });
  sdk.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
  sdk.info('training job started', { sdkComponent: 'activity', taskToken: 'CiQ0ZTQ2secret', jobId: 'j1' });
  sdk.warn('activity failed', { sdkComponent: 'activity', taskToken: 'CiQ0ZTQ2secret' });
  const entries = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(entries.map((e) => e.msg)).toEqual(['training job started', 'activity failed']);
  expect(out.lines.join('')).not.toContain('CiQ0ZTQ2secret');

  const debug = capture();
  const verbose = new PinoSdkLogger(createLogger({ level: 'debug', format: 'json', destination: debug }));
  verbose.info('asset workflow-bundle-94e17e.js', { sdkComponent: 'worker' });
  verbose.debug('activity started', { sdkComponent: 'activity', taskToken: 'tok' });
  const levels = debug.lines.map((l) => JSON.parse(l) as { level: number; taskToken?: string });
  expect(levels).toEqual([
    expect.objectContaining({ level: 20 }),
    expect.objectContaining({ level: 20, taskToken: 'tok' }),
  ]);
});
