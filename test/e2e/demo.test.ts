/**
 * The quick start as a newcomer runs it, with no account and no network: `npm start` on the shipped
 * config.json (the local example pipeline), then `npm run demo`, ending with a promoted model that
 * `hub-retrain predict` can use.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/temporal';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'hub-retrain.js');
let service: ChildProcess | undefined;

afterAll(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((r) => service!.once('exit', r));
    service.kill('SIGTERM');
    await exited;
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

jest.setTimeout(420_000);

test('npm start, then npm run demo: the example trains through every stage, is promoted, predicts; a worse edit is not put in service', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-demo-'));
  // The shipped config.json and example dataset, copied, so the test can edit the data.
  const dataset = join(dir, 'product-reviews');
  cpSync(join(ROOT, 'examples', 'datasets', 'product-reviews'), dataset, { recursive: true });
  const shipped = readFileSync(join(ROOT, 'config.json'), 'utf8');
  writeFileSync(
    join(dir, 'config.json'),
    shipped.replace('file:examples/datasets/product-reviews', 'file:product-reviews'),
  );
  const env = {
    ...process.env,
    RETRAIN_CONFIG: join(dir, 'config.json'),
    TEMPORAL_ADDRESS: '',
    WEBHOOK_SECRET: '',
    HF_TOKEN: '',
    HF_ENDPOINT: 'http://127.0.0.1:1', // no Hugging Face needed
    RETRAIN_STATE_DIR: join(dir, '.data'),
    RETRAIN_MODELS_DIR: join(dir, 'models'),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  service = spawn(process.execPath, [CLI, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  service.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  service.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // Starting bundles the workflow code: slow on a loaded machine.
  await eventually(() => (out.includes('hub-retrain is running') ? true : undefined), 240_000, 'the service').catch(
    (err: Error) => {
      throw new Error(`${err.message}\n${out}`);
    },
  );

  const demo = spawnSync(process.execPath, [CLI, 'demo'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  const output = `${demo.stdout}${demo.stderr}`;
  expect(demo.status).toBe(0);
  expect(output).toContain('202');
  // The answer names the revision (the folder's content hash), and the run passes every stage the README lists.
  const revision = /revision ([0-9a-f]{40})/.exec(output)?.[1];
  expect(revision).toBeDefined();
  expect(output).toContain(`"revision":"${revision}"`);
  for (const step of ['createProject', 'addData', 'training', 'evaluating', 'publishing', 'succeeded']) {
    expect(output).toMatch(new RegExp(`^${step} +\\[`, 'm'));
  }
  expect(output).toMatch(/accuracy\s+0\.\d{4}/);
  expect(output).toContain('promoted: first model with accuracy');
  const current = join(dir, 'models', 'product-reviews', 'current');
  expect(existsSync(join(current, 'model.json'))).toBe(true);
  expect(output).toContain(join(dir, 'models', 'product-reviews', readlinkSync(current)));

  const predicted = spawnSync(
    process.execPath,
    [CLI, 'predict', 'product-reviews', 'Absolutely love it, works perfectly', '--json'],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    },
  );
  expect(predicted.status).toBe(0);
  expect(JSON.parse(predicted.stdout)).toMatchObject({ label: 'positive' });

  // `predict ... | head -1`: the reader goes away after one line; no EPIPE crash, no stack trace.
  const piped = spawnSync(
    'bash',
    ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" predict product-reviews "Broke after a day" | head -1`],
    { cwd: ROOT, env, encoding: 'utf8' },
  );
  expect(piped.stderr).toBe('');
  expect(piped.status).toBe(0);
  expect(piped.stdout.trim().split('\n')).toHaveLength(1);
  // And when the reader is gone before anything is written.
  const closed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'predict', 'product-reviews', 'Broke after a day'], { cwd: ROOT, env });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stderr }));
  });
  expect(closed).toEqual({ code: 0, stderr: '' });

  // A second demo delivers the same revision: nothing new trains.
  const again = spawnSync(process.execPath, [CLI, 'demo'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  expect(again.status).toBe(0);
  expect(again.stdout).toContain('Nothing new to train');

  // Most of the training data gone: the next model is worse, and is not put in service (both numbers said).
  const train = join(dataset, 'train.csv');
  writeFileSync(train, readFileSync(train, 'utf8').split('\n').slice(0, 31).join('\n') + '\n');
  const worse = spawnSync(process.execPath, [CLI, 'demo'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  expect(worse.status).toBe(0);
  expect(worse.stdout).toMatch(/not put in service.*accuracy 0\.\d{4} vs 0\.\d{4}/);
  expect(readlinkSync(current)).toBe(revision);
});
