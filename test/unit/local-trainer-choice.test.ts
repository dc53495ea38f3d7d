/** Which trainer a local pipeline runs, and what the config refuses: pure rules, no processes. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { chooseTrainer, baselineNote } from '../../src/backends/local/trainer-choice';
import { PermanentBackendError } from '../../src/errors';
import type { LocalBackendOptions } from '../../src/config/backends';
import type { PipelineSpec } from '../../src/config/config-schema';
import { ConfigError, parseConfig } from '../../src/config/load-config';
import { HubClient } from '../../src/hub/hub-client';

const BUILT_IN = {
  transformers: ['py', 'train.py'],
  transformersPreflight: ['py', 'preflight.py'],
  baseline: ['node', 'train.js'],
};

function pipeline(fields: Record<string, unknown>) {
  const [spec] = parseConfig({
    target_namespace: 'acme',
    input_dataset: 'file:/tmp/reviews',
    input_model: 'distilbert/distilbert-base-uncased',
    task: 'text-classification',
    ...fields,
  });
  return spec!;
}

/** A local pipeline's backend options. */
function localOf(spec: PipelineSpec): LocalBackendOptions {
  if (spec.backend.type !== 'local') throw new Error(`${spec.name} is not a local pipeline`);
  return spec.backend;
}

function issuesOf(fields: Record<string, unknown>): string[] {
  try {
    pipeline(fields);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

test('a local pipeline that names a base model fine-tunes it with the transformers trainer by default', () => {
  const spec = pipeline({ backend: { type: 'local' } });
  expect(chooseTrainer(localOf(spec), BUILT_IN)).toEqual({ kind: 'transformers', command: BUILT_IN.transformers });
  expect(baselineNote(localOf(spec), spec)).toBeUndefined();
});

test('the baseline is chosen explicitly, and a named base model it does not train is reported', () => {
  const spec = pipeline({ backend: { type: 'local', trainer: 'baseline' } });
  expect(chooseTrainer(localOf(spec), BUILT_IN)).toEqual({ kind: 'baseline', command: BUILT_IN.baseline });
  expect(baselineNote(localOf(spec), spec)).toBe(
    'base model distilbert/distilbert-base-uncased not trained: backend.trainer is "baseline", so the TypeScript ' +
      'TF-IDF + softmax regression baseline was trained from scratch instead (remove backend.trainer to fine-tune ' +
      'distilbert/distilbert-base-uncased)',
  );
  const named = pipeline({ input_model: 'tfidf-softmax-regression', backend: { type: 'local', trainer: 'baseline' } });
  expect(baselineNote(localOf(named), named)).toBeUndefined(); // it names the baseline itself
});

test("a pipeline's own command runs instead of either trainer", () => {
  const spec = pipeline({ backend: { type: 'local', command: ['python3', 'mine.py'] } });
  expect(chooseTrainer(localOf(spec), BUILT_IN)).toEqual({ kind: 'command', command: ['python3', 'mine.py'] });
});

test('the config refuses the baseline name without the baseline, and a trainer together with a command', () => {
  expect(issuesOf({ input_model: 'tfidf-softmax-regression', backend: { type: 'local' } })).toEqual([
    'backend.trainer: input_model "tfidf-softmax-regression" is the TypeScript baseline, not a model to fine-tune: ' +
      'set backend.trainer to "baseline", or name a transformers model',
  ]);
  expect(issuesOf({ backend: { type: 'local', trainer: 'baseline', command: ['x'] } })).toEqual([
    'backend.trainer: give either a trainer of trainers/ or your own command, not both',
  ]);
  expect(issuesOf({ backend: { type: 'local', trainer: 'sklearn' } })).toEqual([
    'backend.trainer: expected one of transformers, baseline',
  ]);
});

test('without its Python environment the transformers trainer fails at createProject and says how to install it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'no-venv-'));
  const missing = join(root, '.venv', 'bin', 'python');
  const spec = pipeline({ backend: { type: 'local' } });
  const backend = new LocalBackend(
    {
      stateDir: join(root, 'state'),
      modelsDir: join(root, 'models'),
      hub: new HubClient({ endpoint: 'http://127.0.0.1:9' }),
      trainers: { ...BUILT_IN, transformers: [missing, 'train.py'], transformersPreflight: [missing, 'preflight.py'] },
    },
    localOf(spec),
  );
  const run = { pipeline: spec, revision: 'a'.repeat(40), attempt: 1 };
  const failure = await backend.createProject(run).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(PermanentBackendError);
  expect((failure as Error).message).toBe(
    `the transformers trainer is not installed (no ${missing}): run \`npm run setup:transformers\` once, ` +
      'or set backend.trainer to "baseline" to train the TypeScript baseline instead',
  );
});
