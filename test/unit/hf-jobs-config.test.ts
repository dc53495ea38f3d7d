/** The hf-jobs backend options in config.json: defaults, and errors that name the key. */
import { ConfigError, parseConfig } from '../../src/config/load-config';

const base = {
  target_namespace: 'acme',
  input_dataset: 'acme/images',
  input_model: 'microsoft/resnet-50',
};

function issuesOf(backend: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  try {
    parseConfig({ ...base, ...extra, backend: { type: 'hf-jobs', ...backend } });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('{"type": "hf-jobs"} alone gets working defaults', () => {
  const [spec] = parseConfig({ ...base, backend: { type: 'hf-jobs' } });
  expect(spec?.backend).toEqual({
    type: 'hf-jobs',
    flavor: 'a10g-small',
    timeout_seconds: 7200,
    image: 'ghcr.io/astral-sh/uv:python3.12-bookworm',
    env: {},
    labels: {},
  });
});

test('an unknown placeholder in the command is named with the ones that exist', () => {
  expect(issuesOf({ command: ['train', '--data', '{datset}'] })).toEqual([
    {
      path: 'backend.command[2]',
      message:
        'unknown placeholder {datset}; expected one of {dataset}, {revision}, {base_model}, {output_repo}, {pipeline}, {task}',
    },
  ]);
});

test('a token never goes into the command, env or labels, and HF_TOKEN is not an env variable', () => {
  const token = 'hf_abcdefghijklmnopqrstuvwxyz0123';
  expect(issuesOf({ command: ['train', `--token=${token}`] })[0]?.path).toBe('backend.command[1]');
  expect(issuesOf({ env: { HF_TOKEN: 'x' } })).toEqual([
    { path: 'backend.env.HF_TOKEN', message: 'the token is passed as the HF_TOKEN secret, not in env' },
  ]);
  expect(issuesOf({ env: { SECRET: token } })[0]?.path).toBe('backend.env.SECRET');
  expect(issuesOf({ labels: { owner: token } })[0]?.path).toBe('backend.labels.owner');
});

test('the labels hub-retrain finds its jobs by are reserved; unknown keys and wrong values are named', () => {
  expect(issuesOf({ labels: { 'retrain-revision': 'x' } })).toEqual([
    { path: 'backend.labels.retrain-revision', message: 'reserved for hub-retrain' },
  ]);
  expect(issuesOf({ gpu: 'a10g' })).toEqual([{ path: 'backend.gpu', message: 'unknown key' }]);
  expect(issuesOf({ timeout_seconds: 1.5 }).map((i) => i.path)).toEqual(['backend.timeout_seconds']);
  expect(issuesOf({ flavor: 'A10G Small' }).map((i) => i.path)).toEqual(['backend.flavor']);
  expect(issuesOf({ cleanup: true }).map((i) => i.path)).toEqual(['backend.cleanup']);
});

test('a task without a default command needs one', () => {
  expect(issuesOf({}, { task: 'object-detection' })).toEqual([
    {
      path: 'backend.command',
      message:
        'hf-jobs has no default command for task "object-detection" (only image-classification, text-classification): give a command',
    },
  ]);
  expect(() =>
    parseConfig({ pipelines: [{ ...base, task: 'object-detection', backend: { type: 'hf-jobs', command: ['x'] } }] }),
  ).not.toThrow();
});

test('labels follow the Jobs label rule at load time: letters, digits, ".", "-", "_", at most 100', () => {
  expect(issuesOf({ labels: { owner: 'acme/beans' } })).toEqual([
    {
      path: 'backend.labels.owner',
      message: 'a label value must be at most 100 letters, digits, ".", "-" or "_" (the Jobs label rule)',
    },
  ]);
  expect(issuesOf({ labels: { 'team name': 'x' } }).map((i) => i.path)).toEqual(['backend.labels.team name']);
  expect(issuesOf({ labels: { team: 'x'.repeat(101) } }).map((i) => i.path)).toEqual(['backend.labels.team']);
  expect(() => parseConfig({ ...base, backend: { type: 'hf-jobs', labels: { team: 'vision.v2_x-1' } } })).not.toThrow();
});
