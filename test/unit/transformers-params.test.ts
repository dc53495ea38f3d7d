/**
 * The transformers trainer's real-hardware options in `backend.params`: a wrong value fails check-config with
 * its key path and what was expected, the same bounds the trainer itself enforces (contract.py); right values
 * pass through to RETRAIN_PARAMS unchanged.
 */
import { parseConfig } from '../../src/config/load-config';
import { issuesOf } from '../helpers/config-issues';

function pipelineWith(backend: Record<string, unknown>): unknown {
  return {
    pipelines: [
      {
        name: 'reviews',
        target_namespace: 'acme',
        input_dataset: 'acme/reviews',
        input_model: 'distilbert/distilbert-base-uncased',
        task: 'text-classification',
        backend: { type: 'local', ...backend },
      },
    ],
  };
}

test('every real-hardware option is accepted as the trainer reads it, and reaches RETRAIN_PARAMS unchanged', () => {
  const params = {
    gradient_accumulation_steps: 4,
    auto_find_batch_size: true,
    max_steps: '500',
    eval_steps: 100,
    early_stopping_patience: 3,
    class_weights: 'balanced',
    torch_compile: 'false',
    dataloader_num_workers: 0,
    epochs: 3,
  };
  const [pipeline] = parseConfig(pipelineWith({ params }));
  expect(pipeline!.backend).toMatchObject({ type: 'local', params });
});

test('a wrong option fails check-config with its key path and what was expected', () => {
  const params = {
    gradient_accumulation_steps: 0,
    auto_find_batch_size: 'yes',
    max_steps: 2.5,
    eval_steps: 'often',
    early_stopping_patience: -1,
    class_weights: 'inverse',
    torch_compile: 1,
    dataloader_num_workers: 100,
  };
  const at = (key: string) => `pipelines[0].backend.params.${key}`;
  expect(issuesOf(pipelineWith({ params })).sort()).toEqual(
    [
      `${at('gradient_accumulation_steps')}: expected an integer from 1 to 4096`,
      `${at('auto_find_batch_size')}: expected true or false`,
      `${at('max_steps')}: expected an integer from 1 up`,
      `${at('eval_steps')}: expected an integer from 1 up`,
      `${at('early_stopping_patience')}: expected an integer from 1 to 1000`,
      `${at('class_weights')}: expected "none" or "balanced"`,
      `${at('torch_compile')}: expected true or false`,
      `${at('dataloader_num_workers')}: expected an integer from 0 to 64`,
    ].sort(),
  );
});

test("the baseline and a command of one's own are not held to the transformers trainer's options", () => {
  const params = { max_steps: 'many', class_weights: 'inverse' };
  expect(parseConfig(pipelineWith({ trainer: 'baseline', params }))).toHaveLength(1);
  expect(parseConfig(pipelineWith({ command: ['python3', 'train.py'], params }))).toHaveLength(1);
});

test("a Jobs pipeline's env.RETRAIN_PARAMS is held to the trainer's options when the default command runs it", () => {
  const jobs = (env: Record<string, string>, extra: Record<string, unknown> = {}) =>
    pipelineWith({ type: 'hf-jobs', env, ...extra });
  const at = (key: string) => `pipelines[0].backend.env.RETRAIN_PARAMS${key}`;
  const good = JSON.stringify({ label_column: 'intent', max_steps: '500', class_weights: 'balanced' });
  expect(parseConfig(jobs({ RETRAIN_PARAMS: good }))[0]!.backend).toMatchObject({ env: { RETRAIN_PARAMS: good } });
  expect(issuesOf(jobs({ RETRAIN_PARAMS: JSON.stringify({ max_steps: 0, torch_compile: 'yes' }) })).sort()).toEqual([
    `${at('.max_steps')}: expected an integer from 1 up`,
    `${at('.torch_compile')}: expected true or false`,
  ]);
  expect(issuesOf(jobs({ RETRAIN_PARAMS: '{max_steps: 5' }))).toEqual([
    `${at('')}: expected a JSON object, e.g. {"label_column": "intent"}`,
  ]);
  expect(issuesOf(jobs({ RETRAIN_PARAMS: '[1]' }))).toEqual([
    `${at('')}: expected a JSON object, e.g. {"label_column": "intent"}`,
  ]);
  // A command of one's own reads RETRAIN_PARAMS as it likes.
  expect(parseConfig(jobs({ RETRAIN_PARAMS: 'anything' }, { command: ['python3', 'train.py'] }))).toHaveLength(1);
});
