/**
 * scripts/setup.js decides from the raw config whether `npm start` needs the transformers trainer's Python
 * environment, before any TypeScript can run. Its rule must be the local backend's own (trainerOf).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainerOf } from '../../src/backends/local/trainer-choice';
import { parseConfig } from '../../src/config/load-config';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the set-up script is plain CommonJS
const { transformersNeeded } = require('../../scripts/setup.js') as {
  transformersNeeded: (forWhat: string, configPath: string) => string | undefined;
};

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-setup-rule-'));

const local = (backend: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'p',
  target_namespace: 'acme',
  input_dataset: 'acme/reviews',
  input_model: 'distilbert/distilbert-base-uncased',
  task: 'text-classification',
  backend: { type: 'local', ...backend },
  ...extra,
});

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

const configs: Record<string, unknown> = {
  ...Object.fromEntries(
    readdirSync(join(ROOT, 'examples', 'configs')).map((f) => [f, readJson(join(ROOT, 'examples', 'configs', f))]),
  ),
  'config.json': readJson(join(ROOT, 'config.json')),
  'local, transformers by default': { pipelines: [local({})] },
  'local, transformers named': { pipelines: [local({ trainer: 'transformers' })] },
  'local, baseline': { pipelines: [local({ trainer: 'baseline' })] },
  'local, own command': { pipelines: [local({ command: ['python3', 'train.py'] })] },
  'flat form, local': local({}),
};

test.each(Object.keys(configs))('%s: the set-up installs the trainer exactly when a pipeline runs it', (name) => {
  const path = join(dir, name.replace(/[^\w.-]/g, '_'));
  writeFileSync(path, JSON.stringify(configs[name]));
  const pipelines = parseConfig(configs[name], name, ROOT);
  const runsTransformers = pipelines.some((p) => p.backend.type === 'local' && trainerOf(p.backend) === 'transformers');
  expect(transformersNeeded('start', path) !== undefined).toBe(runsTransformers);
});

test('the tests always need it; a config that does not parse is left to npm start', () => {
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ "pipelines": [');
  expect(transformersNeeded('test', broken)).toBeDefined();
  expect(transformersNeeded('start', broken)).toBeUndefined();
  expect(transformersNeeded('start', join(dir, 'missing.json'))).toBeUndefined();
});
