/**
 * The Jobs backend's default command, run here: the exact command and environment `jobRequest` builds for a
 * pipeline, executed with bash and uv as the job image would run them, with HF_HUB_OFFLINE=1. The dataset
 * comes from a Hugging Face cache holding it at the run's revision (what `snapshot_download` then returns),
 * the base model is a tiny local one, and the push is skipped because the Hub is offline. The job trains for
 * real and leaves the model folder and the results file the Jobs backend reads from the pushed repo.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_JOB_SCRIPT, jobRequest } from '../../src/backends/hf-jobs/job-request';
import type { HfJobsBackendOptions } from '../../src/config/backends';
import { parseConfig } from '../../src/config/load-config';
import { TEST_USER } from '../helpers/stack';
import {
  python,
  reviewsFolder,
  tinyModel,
  TINY_PARAMS,
  trainer,
  TRAINER_TEST_TIMEOUT_MS,
} from '../helpers/transformers';

jest.setTimeout(TRAINER_TEST_TIMEOUT_MS);

const TOKEN = 'hf_jobsDefaultCommandTestTokenXXXXXXXXXX';
const DATASET = 'acme/reviews';
const REVISION = '3f9a0c1e5b7d2468ace013579bdf02468ace1357';
/** Linux refuses a single argument longer than this (MAX_ARG_STRLEN, 32 pages). */
const MAX_ARG_STRLEN = 128 * 1024;

/** The job image has uv on PATH; here it is on PATH, or where the PyPI package `uv` says (setup.sh installs it). */
async function uvProgram(): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', [
    '-c',
    'command -v uv || python3 -c "import uv; print(uv.find_uv_bin())"',
  ]);
  return stdout.trim();
}

/** Runs a job request's command with bash and uv as the job image would, offline, from the cache in `hfHome`. */
async function runJob(
  request: Pick<ReturnType<typeof jobRequest>, 'command' | 'environment' | 'secrets'>,
  hfHome: string,
  work: string,
): Promise<string> {
  const uv = await uvProgram();
  const [program, ...args] = request.command;
  const child = spawn(program!, args, {
    env: {
      PATH: `${dirname(uv)}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? tmpdir(),
      ...request.environment,
      ...request.secrets,
      HF_HUB_OFFLINE: '1',
      HF_HOME: hfHome,
      OMP_NUM_THREADS: '1', // the suite shares two cores
      RETRAIN_WORK_DIR: work,
      // The locked environment `npm run setup:transformers` made, instead of a second copy of torch.
      UV_PROJECT_ENVIRONMENT: join(trainer.folder, '.venv'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  return stdout;
}

function request(baseModel: string) {
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: 'reviews',
        target_namespace: TEST_USER,
        input_dataset: DATASET,
        input_model: baseModel,
        task: 'text-classification',
        backend: { type: 'hf-jobs', env: { RETRAIN_PARAMS: JSON.stringify(TINY_PARAMS) } },
      },
    ],
  });
  const options = pipeline!.backend as HfJobsBackendOptions;
  return jobRequest(
    { pipeline: pipeline!, revision: REVISION, attempt: 1 },
    options,
    { dataset: DATASET, revision: REVISION },
    TOKEN,
  );
}

test('the request carries the trainer and its lock, within what one argument may hold', () => {
  const { command } = request('distilbert/distilbert-base-uncased');
  expect(command.slice(0, 2)).toEqual(['bash', '-c']);
  expect(command[2]).toContain('uv run --frozen --no-dev python job.py');
  expect(command.slice(5)).toEqual([
    DATASET,
    REVISION,
    'distilbert/distilbert-base-uncased',
    `${TEST_USER}/reviews`,
    'text-classification',
    'reviews',
  ]);
  const bundle = command[4]!;
  expect(bundle.length).toBeLessThan(MAX_ARG_STRLEN * 0.8);
  expect(request('distilbert/distilbert-base-uncased').command[4]).toBe(bundle); // the same bytes each time
  // docs/hf-jobs.md shows the exact script.
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'hf-jobs.md'), 'utf8');
  expect(docs).toContain(JSON.stringify(DEFAULT_JOB_SCRIPT));
});

test('the default command downloads the revision, fine-tunes the base model and writes what the backend reads', async () => {
  const [model] = await Promise.all([tinyModel('text')]);
  const { command, environment, secrets } = request(model);
  const hfHome = mkdtempSync(join(tmpdir(), 'hf-home-'));
  const snapshot = join(hfHome, 'hub', `datasets--${DATASET.replace('/', '--')}`, 'snapshots', REVISION);
  mkdirSync(dirname(snapshot), { recursive: true });
  cpSync(reviewsFolder(), snapshot, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'job-'));
  const stdout = await runJob({ command, environment, secrets }, hfHome, work);
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { message?: string; progress?: number });
  expect(lines[0]).toEqual({ progress: 0, message: `downloading ${DATASET} at ${REVISION}` });
  expect(lines.at(-1)?.message).toContain(`nothing was pushed to ${TEST_USER}/reviews`);
  const out = join(work, 'model');
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'README.md', 'metrics.json'])
    expect(existsSync(join(out, file))).toBe(true);
  // src/backends/hf-jobs/model-metrics.ts reads eval_results.json from the pushed repo.
  const results = JSON.parse(readFileSync(join(out, 'eval_results.json'), 'utf8')) as Record<string, number>;
  expect(results).toMatchObject({ eval_samples: 8, train_samples: 24, epoch: 2 });
  expect(typeof results.eval_accuracy).toBe('number');
  const card = readFileSync(join(out, 'README.md'), 'utf8');
  expect(card).toContain(`datasets:\n  - "${DATASET}"`);
  expect(card).toContain(`revision: "${REVISION}"`);
  expect(
    await python(
      'import sys, transformers; print(transformers.AutoModelForSequenceClassification.from_pretrained(sys.argv[1]).config.num_labels)',
      out,
    ),
  ).toBe('2\n');
});

test('with a model in service and a pinned evaluation set, the job measures both models on the pinned rows (issue 23)', async () => {
  const model = await tinyModel('text');
  const inService = { run: 'e'.repeat(40), model: `${TEST_USER}/reviews`, revision: 'b'.repeat(40) };
  const evalSet = { dataset: 'acme/reviews-eval', revision: 'c'.repeat(40) };
  const [pipeline] = parseConfig({
    pipelines: [
      {
        name: 'reviews',
        target_namespace: TEST_USER,
        input_dataset: DATASET,
        input_model: model,
        task: 'text-classification',
        backend: { type: 'hf-jobs', env: { RETRAIN_PARAMS: JSON.stringify(TINY_PARAMS) } },
        evaluation: evalSet,
      },
    ],
  });
  const run = { pipeline: pipeline!, revision: REVISION, attempt: 1 };
  const options = pipeline!.backend as HfJobsBackendOptions;
  const { command, environment, secrets } = jobRequest(
    run,
    options,
    { dataset: DATASET, revision: REVISION },
    TOKEN,
    inService,
  );
  expect(environment).toMatchObject({
    RETRAIN_CURRENT_MODEL: inService.model,
    RETRAIN_CURRENT_MODEL_REVISION: inService.revision,
    RETRAIN_CURRENT_RUN: inService.run,
    RETRAIN_EVAL_DATASET: evalSet.dataset,
    RETRAIN_EVAL_REVISION: evalSet.revision,
  });
  // The Hugging Face cache holds the dataset, the pinned set and the model in service at their commits.
  const hfHome = mkdtempSync(join(tmpdir(), 'hf-home-'));
  const cached = (kind: string, repo: string, sha: string) =>
    join(hfHome, 'hub', `${kind}--${repo.replace('/', '--')}`, 'snapshots', sha);
  cpSync(reviewsFolder(), cached('datasets', DATASET, REVISION), { recursive: true });
  cpSync(reviewsFolder(12, 6, 11), cached('datasets', evalSet.dataset, evalSet.revision), { recursive: true });
  cpSync(model, cached('models', inService.model, inService.revision), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'job-'));
  await runJob({ command, environment, secrets }, hfHome, work);

  const comparison = JSON.parse(readFileSync(join(work, 'model', 'comparison.json'), 'utf8')) as {
    source: string;
    split: string;
    truth: string[];
    current: { dir: string; predicted: string[]; labels: string[] };
  };
  // reviewsFolder(12, 6) writes 6 validation rows: the pinned set's rows, not the run's 8.
  expect(comparison).toMatchObject({ source: 'evaluation.dataset', split: 'validation' });
  expect(comparison.truth).toHaveLength(6);
  // Named after the run in service, so the service matches it to the model it holds in service.
  expect(comparison.current.dir).toBe(join(work, 'in-service', inService.run));
  expect(comparison.current.predicted).toHaveLength(6);
});
