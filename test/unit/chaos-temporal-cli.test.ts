/**
 * The chaos suite finds the Temporal CLI the way `npm start` does: TEMPORAL_CLI_PATH, else PATH, else the
 * project's own .tools/temporal (where scripts/setup.js installs it), so `npm run test:chaos` runs by itself.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalCli } from '../chaos/harness/processes';

function fakeCli(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'temporal');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

test("with no temporal on PATH, the chaos harness runs the project's own .tools/temporal", () => {
  const root = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
  const installed = fakeCli(join(root, '.tools', 'temporal', 'bin'));
  expect(temporalCli({ PATH: '/nonexistent' }, root)).toBe(installed);
});

test('TEMPORAL_CLI_PATH, then PATH, come before the project install', () => {
  const root = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
  fakeCli(join(root, '.tools', 'temporal', 'bin'));
  const onPath = fakeCli(join(root, 'path-bin'));
  expect(temporalCli({ PATH: join(root, 'path-bin') }, root)).toBe(onPath);
  const explicit = fakeCli(join(root, 'explicit'));
  expect(temporalCli({ PATH: join(root, 'path-bin'), TEMPORAL_CLI_PATH: explicit }, root)).toBe(explicit);
});

test('no CLI anywhere: the harness says how to install one instead of failing with spawn ENOENT', () => {
  const root = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
  expect(() => temporalCli({ PATH: '/nonexistent' }, root)).toThrow(/the Temporal CLI \(`temporal`\) is not installed/);
});
