/**
 * The embedded dev server on ports of our choosing is started again when its CLI exits before it answers (on a
 * busy machine another process can take a port between our check and the server's bind); a port asked for is not.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevServerError, findTemporalCli, startDevServer } from '../../src/temporal/dev-server';
import { freeLocalPort } from '../../src/http/port-check';

/** A CLI that fails like a lost bind on its first `failures` starts, then runs the real one. */
function flakyCli(failures: number): { path: string; starts: () => number } {
  const real = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!real) throw new Error('the Temporal CLI is not installed (the test set-up installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'flaky-temporal-'));
  const count = join(dir, 'starts');
  writeFileSync(count, '');
  const path = join(dir, 'temporal');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `echo x >> '${count}'`,
      `if [ "$(wc -l < '${count}')" -le ${failures} ]; then`,
      '  echo "listen tcp 127.0.0.1:1: bind: address already in use" >&2',
      '  exit 2',
      'fi',
      `exec '${real}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return { path, starts: () => readFileSync(count, 'utf8').trim().split('\n').length };
}

test('a server whose CLI exits before it answers is started again on fresh ports', async () => {
  const cli = flakyCli(1);
  const server = await startDevServer({ cliPath: cli.path });
  try {
    expect(cli.starts()).toBe(2);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
  } finally {
    await server.stop();
  }
});

test('it gives up after three starts, with the last lines of the CLI', async () => {
  const cli = flakyCli(5);
  await expect(startDevServer({ cliPath: cli.path })).rejects.toThrow(
    /exited \(2\) before it was ready[\s\S]*address already in use/,
  );
  expect(cli.starts()).toBe(3);
});

test('a port that was asked for is not changed: the first failure is the answer', async () => {
  const cli = flakyCli(1);
  const port = await freeLocalPort();
  await expect(startDevServer({ cliPath: cli.path, port })).rejects.toBeInstanceOf(DevServerError);
  expect(cli.starts()).toBe(1);
});
