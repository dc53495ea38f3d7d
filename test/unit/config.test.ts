import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../src/config/env';
import { loadConfigFile, parseConfig } from '../../src/config/load-config';
import { issuesOf } from '../helpers/config-issues';

const ORIGINAL = {
  target_namespace: 'acme',
  input_dataset: 'acme/product-images',
  input_model: 'microsoft/resnet-50',
  autotrain_project_prefix: 'product-images',
};

describe('config.json', () => {
  test("the original Space's four-key config.json works unchanged, as one AutoTrain pipeline", () => {
    const [pipeline, ...rest] = parseConfig(ORIGINAL);
    expect(rest).toHaveLength(0);
    expect(pipeline).toMatchObject({
      ...ORIGINAL,
      name: 'product-images',
      task: 'image-classification',
      backend: { type: 'autotrain', hardware: 'spaces-a10g-small', params: {}, train_split: 'train', cleanup: false },
      debounce_seconds: 0,
      on_new_revision: 'queue',
      approval: 'none',
      approval_timeout: 7 * 86_400,
      poll_interval_seconds: 60,
    });
  });

  test('the pipelines form takes many pipelines, several on one dataset, with their own options', () => {
    const pipelines = parseConfig({
      pipelines: [
        {
          ...ORIGINAL,
          name: 'images',
          debounce_seconds: 30,
          on_new_revision: 'cancel',
          approval: 'required',
          approval_timeout: '2d',
        },
        {
          ...ORIGINAL,
          name: 'images-small',
          input_model: 'google/vit-base-patch16-224',
          max_training_time: '90m',
          backend: { type: 'autotrain', hardware: 'spaces-t4-small', params: { epochs: 3 } },
        },
      ],
    });
    expect(pipelines.map((p) => p.name)).toEqual(['images', 'images-small']);
    expect(pipelines[0]).toMatchObject({
      debounce_seconds: 30,
      on_new_revision: 'cancel',
      approval: 'required',
      approval_timeout: 172_800,
    });
    expect(pipelines[1]).toMatchObject({
      max_training_time: 5400,
      backend: { hardware: 'spaces-t4-small', params: { epochs: 3 } },
    });
  });

  test('a wrong value names the key path and what was expected', () => {
    const issues = issuesOf({
      pipelines: [
        ORIGINAL,
        { ...ORIGINAL, name: 'b', on_new_revision: 'later', backend: { type: 'autotrain', hardware: 'tpu' } },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pipelines\[1\]\.on_new_revision: .*"queue".*"cancel"/),
        expect.stringMatching(/^pipelines\[1\]\.backend\.hardware: .*spaces-a10g-small/),
      ]),
    );
  });

  test('an unknown key is an error that names the key (a typo never silently drops a setting)', () => {
    expect(issuesOf({ ...ORIGINAL, colour: 'x/y' })).toEqual(expect.arrayContaining(['colour: unknown key']));
  });

  test('an unknown key one slip away from a known one at the same place says which one was meant', () => {
    expect(issuesOf({ ...ORIGINAL, input_datset: 'x/y' })).toContain(
      'input_datset: unknown key; did you mean "input_dataset"?',
    );
    expect(issuesOf({ pipelines: [{ ...ORIGINAL, backend: { type: 'autotrain', hardwear: 'x' } }] })).toContain(
      'pipelines[0].backend.hardwear: unknown key; did you mean "hardware"?',
    );
    expect(issuesOf({ pipelines: [{ ...ORIGINAL, 'debounce-seconds': 2, promotion: { metrik: 'f1' } }] })).toEqual(
      expect.arrayContaining([
        'pipelines[0].debounce-seconds: unknown key; did you mean "debounce_seconds"?',
        'pipelines[0].promotion.metrik: unknown key; did you mean "metric"?',
      ]),
    );
  });

  test('an unknown backend type names the types there are', () => {
    expect(issuesOf({ pipelines: [{ ...ORIGINAL, backend: { type: 'sagemaker' } }] }).join('\n')).toMatch(
      /pipelines\[0\]\.backend\.type: .*autotrain/,
    );
  });

  test("AutoTrain's evaluation step runs here unless the pipeline names a Jobs runner; a bad one names its key", () => {
    const evaluated = (evaluation: unknown) => ({
      pipelines: [{ ...ORIGINAL, backend: { type: 'autotrain', evaluation } }],
    });
    expect(parseConfig(ORIGINAL)[0]!.backend).not.toHaveProperty('evaluation');
    expect(parseConfig(evaluated({}))[0]!.backend).toMatchObject({ evaluation: { runner: 'local' } });
    expect(
      parseConfig(evaluated({ runner: 'hf-jobs', flavor: 't4-small', timeout_seconds: 900 }))[0]!.backend,
    ).toMatchObject({ evaluation: { runner: 'hf-jobs', flavor: 't4-small', timeout_seconds: 900 } });
    expect(issuesOf(evaluated({ runner: 'sagemaker' }))).toEqual([
      'pipelines[0].backend.evaluation.runner: expected one of local, hf-jobs',
    ]);
    // The same flavor rule as the hf-jobs backend's `flavor`.
    expect(issuesOf(evaluated({ runner: 'hf-jobs', flavor: 'A10G Small' }))).toEqual([
      'pipelines[0].backend.evaluation.flavor: expected a Jobs hardware flavor such as "a10g-small"',
    ]);
    expect(issuesOf(evaluated({ runner: 'hf-jobs', timeout_seconds: 7200 }))).toEqual([
      'pipelines[0].backend.evaluation.timeout_seconds: expected at most 3000 seconds (the evaluation step waits an hour in all)',
    ]);
    expect(issuesOf(evaluated({ flavor: 'cpu-basic' }))).toEqual([
      'pipelines[0].backend.evaluation.flavor: only for runner "hf-jobs" (the step runs on this worker)',
    ]);
    expect(issuesOf(evaluated({ runner: 'hf-jobs', flavour: 'cpu-basic' }))).toEqual([
      'pipelines[0].backend.evaluation.flavour: unknown key; did you mean "flavor"?',
    ]);
  });

  test('two pipelines with the same name are refused', () => {
    expect(issuesOf({ pipelines: [ORIGINAL, ORIGINAL] }).join('\n')).toMatch(
      /pipelines\[1\]\.name: duplicate pipeline name "product-images"/,
    );
  });

  test('missing keys and a malformed dataset id are reported together', () => {
    const issues = issuesOf({ target_namespace: 'acme', input_dataset: 'not-a-repo-id' });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^input_dataset: expected a Hub dataset id/),
        expect.stringMatching(/^input_model: /),
      ]),
    );
  });

  test('a file that is missing or not JSON says so, with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(() => loadConfigFile(join(dir, 'nope.json'))).toThrow(
      /nope\.json is not valid:\n {2}- \(file\): file not found/,
    );
    writeFileSync(join(dir, 'bad.json'), '{ "target_namespace": ');
    expect(() => loadConfigFile(join(dir, 'bad.json'))).toThrow(/not valid JSON/);
  });

  test('invalid JSON is reported with its line and column and the line itself, not a character offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, '{\n  "pipelines": [\n    { "name": "a" },\n  ]\n}\n');
    expect(() => loadConfigFile(file)).toThrow(
      /\(file\): not valid JSON at line 4, column 3: a trailing comma .*\n +\]\n +\^/,
    );
    writeFileSync(file, '{\n  "target_namespace": "acme"\n  "input_model": "m"\n}');
    expect(() => loadConfigFile(file)).toThrow(/not valid JSON at line 3, column 3: a "," was expected/);
    writeFileSync(file, '{"a": }');
    expect(() => loadConfigFile(file)).toThrow(/not valid JSON at line 1, column 7: a value was expected/);
  });

  test('a file: dataset folder that is missing or empty is a config error naming the key, before anything starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'config.json');
    const local = { target_namespace: 'me', input_model: 'm', backend: { type: 'local' } };
    writeFileSync(file, JSON.stringify({ pipelines: [{ ...local, name: 'a', input_dataset: 'file:data/missing' }] }));
    expect(() => loadConfigFile(file)).toThrow(
      `pipelines[0].input_dataset: the folder ${join(dir, 'data', 'missing')} does not exist`,
    );
    mkdirSync(join(dir, 'empty'));
    writeFileSync(file, JSON.stringify({ ...local, input_dataset: 'file:empty' }));
    expect(() => loadConfigFile(file)).toThrow(`input_dataset: the folder ${join(dir, 'empty')} is empty`);
    writeFileSync(join(dir, 'empty', 'train.csv'), 'text,label\nhi,a\n');
    expect(loadConfigFile(file)[0]?.local_path).toBe(join(dir, 'empty'));
  });
});

describe('environment', () => {
  test('defaults match design.md', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      HF_ENDPOINT: 'https://huggingface.co',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'retrain',
      PORT: 7860,
      RETRAIN_CONFIG: './config.json',
    });
    expect(env.TEMPORAL_ADDRESS).toBeUndefined();
  });

  test('WORKER_MAX_CACHED_WORKFLOWS is a whole number of workflows, 500 by default', () => {
    expect(loadEnv({}).WORKER_MAX_CACHED_WORKFLOWS).toBe(500);
    expect(loadEnv({ WORKER_MAX_CACHED_WORKFLOWS: '' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(500);
    expect(loadEnv({ WORKER_MAX_CACHED_WORKFLOWS: '2000' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(2000);
    expect(() => loadEnv({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
    expect(() => loadEnv({ WORKER_MAX_CACHED_WORKFLOWS: '0' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });

  test('HF_ACCESS_TOKEN, the original name, is accepted as the token', () => {
    expect(loadEnv({ HF_ACCESS_TOKEN: 'hf_original' }).hfToken).toBe('hf_original');
    expect(loadEnv({ HF_ACCESS_TOKEN: 'hf_original', HF_TOKEN: 'hf_new' }).hfToken).toBe('hf_new');
  });

  test('a bad value names the variable but never echoes a secret', () => {
    let message = '';
    try {
      loadEnv({ HF_TOKEN: 'not-a-real-token-value', WEBHOOK_SECRET: 'short', PORT: 'eighty' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/HF_TOKEN: expected a Hugging Face token starting with "hf_"/);
    expect(message).toMatch(/WEBHOOK_SECRET: expected at least 8 characters/);
    expect(message).toMatch(/PORT: /);
    expect(message).not.toContain('not-a-real-token-value');
    expect(message).not.toContain('short"');
  });
});

describe('the promotion gate and the pinned evaluation set (issue 23)', () => {
  const withGate = (promotion: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    pipelines: [{ ...ORIGINAL, promotion: { metric: 'accuracy', ...promotion }, ...extra }],
  });

  test('significance and max_class_drop are read, and wrong values name their key path', () => {
    const [spec] = parseConfig(withGate({ significance: 0.05, max_class_drop: 0.1 }));
    expect(spec!.promotion).toMatchObject({ significance: 0.05, max_class_drop: 0.1 });
    expect(issuesOf(withGate({ significance: 5, max_class_drop: -1 }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pipelines\[0\]\.promotion\.significance: .*between 0 and 1/),
        expect.stringMatching(/^pipelines\[0\]\.promotion\.max_class_drop: /),
      ]),
    );
  });

  test('a paired test needs a metric computed from each row: eval_loss with significance is refused', () => {
    expect(issuesOf(withGate({ metric: 'eval_loss', direction: 'min', significance: 0.05 }))).toContain(
      'pipelines[0].promotion.significance: needs a metric computed from each row\'s result (accuracy, macro_f1, macro_precision, macro_recall); "eval_loss" is not one',
    );
  });

  test('evaluation.dataset: a Hub set needs its commit sha; a file: folder is resolved like input_dataset', () => {
    expect(issuesOf(withGate({}, { evaluation: { dataset: 'acme/eval' } }))).toContain(
      'pipelines[0].evaluation.revision: a pinned Hub evaluation set needs its commit sha, so it never changes under the gate',
    );
    expect(issuesOf(withGate({}, { evaluation: { dataset: 'acme/eval', revision: 'main' } }))).toContain(
      'pipelines[0].evaluation.revision: expected a full 40-character commit sha',
    );
    const [hubSet] = parseConfig(withGate({}, { evaluation: { dataset: 'acme/eval', revision: 'a'.repeat(40) } }));
    expect(hubSet!.evaluation).toEqual({ dataset: 'acme/eval', revision: 'a'.repeat(40) });
    const local = { backend: { type: 'local', command: ['./train.sh'] } };
    const [folder] = parseConfig(
      withGate({}, { ...local, evaluation: { dataset: 'file:eval' } }),
      'config.json',
      '/srv/cfg',
    );
    expect(folder!.evaluation_path).toBe('/srv/cfg/eval');
    // A Job or an AutoTrain Space cannot read a folder on this machine.
    expect(issuesOf(withGate({}, { evaluation: { dataset: 'file:eval' } }))).toContain(
      'pipelines[0].evaluation.dataset: a "file:" evaluation set is read on this machine, which an AutoTrain run cannot: give a Hub dataset and its revision',
    );
  });
});
