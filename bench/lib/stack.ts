/**
 * The systems under test, each in its own process: a Temporal dev server (in memory), the product built as
 * it ships (tsc output and a pre-built workflow bundle, like the Docker image), its receiver and worker run
 * through the real CLI, and the peer stacks from bench/peer in a Python venv the suite makes itself.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { writeWorkflowBundles } from '../../src/temporal/workflow-bundle';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/definitions';
import { freePort, spawnProc, waitFor, waitForHttp, type Proc } from './processes';

export const ROOT = resolve(__dirname, '..', '..');
export const BENCH = join(ROOT, 'bench');
export const BUILD = join(BENCH, '.build');
export const WORK = join(BENCH, '.work');
export const VENV = join(BENCH, '.venv');
const CLI_JS = join(BUILD, 'dist', 'src', 'cli.js');
/** The product's plain workflow bundle (buildProduct); its traced one is beside it (tracedBundlePath). */
export const PRODUCT_BUNDLE = join(BUILD, 'workflow-bundle.js');

export const SECRET = 'bench-webhook-secret-0123456789';

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------- Temporal

export interface TemporalServer {
  address: string;
  proc: Proc;
  client: Client;
  stop(): Promise<void>;
}

export function temporalCli(): string {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error('the benchmarks need the temporal CLI on PATH or TEMPORAL_CLI_PATH (see README)');
  return cli;
}

export function temporalVersion(): string {
  return execFileSync(temporalCli(), ['--version'], { encoding: 'utf8' }).trim();
}

/** `temporal server start-dev`, in memory (no --db-filename), no UI, our search attributes registered. */
export async function startTemporal(extraArgs: string[] = []): Promise<TemporalServer> {
  const port = await freePort();
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  args.push('--log-level', 'warn');
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  const proc = spawnProc('temporal', temporalCli(), [...args, ...extraArgs]);
  const address = `127.0.0.1:${port}`;
  const connection = await waitFor(
    async () => {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      return c;
    },
    60_000,
    'the Temporal dev server',
    proc,
  );
  const client = new Client({ connection, namespace: 'default' });
  return {
    address,
    proc,
    client,
    stop: async () => {
      await connection.close();
      await proc.stop();
    },
  };
}

/** Workers polling a task queue (to know a worker process is ready without reading its logs). */
export async function pollerCount(client: Client, taskQueue: string): Promise<number> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return res.pollers?.length ?? 0;
}

// ---------------------------------------------------------------------------------------------- product

/** Compiles the product as the Docker image does (tsc, then `npm run bundle`: workflows and their interceptors). */
export async function buildProduct(): Promise<void> {
  mkdirSync(BUILD, { recursive: true });
  log('building the product (tsc) and the workflow bundle');
  tsc(join(ROOT, 'tsconfig.build.json'), join(BUILD, 'dist'), ROOT);
  await writeWorkflowBundles(PRODUCT_BUNDLE);
}

function tsc(project: string, outDir: string, cwd: string): void {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--outDir', outDir],
    { cwd, stdio: 'inherit' },
  );
}

/**
 * The product at an earlier commit, built from git into bench/.build/ref-<ref> (compiled, and its own
 * workflow bundle), so the benchmarks can measure before and after side by side.
 */
export interface BuiltRef {
  ref: string;
  cli: string;
  bundle: string;
}

/**
 * main before issue 8's product changes: the receiver without its fast path and without sharing the record of
 * duplicates in flight (but with every middleware main has), and runs that poll with a workflow timer.
 */
export const BEFORE_REF = '4dcb75f';

/** `withBundle`: also its workflow bundle (for a worker; the commit must have src/temporal/workflow-bundle.ts). */
export function buildRef(ref: string, withBundle = true): BuiltRef {
  const dir = join(BUILD, `ref-${ref}`);
  const built = { ref, cli: join(dir, 'dist', 'src', 'cli.js'), bundle: join(dir, 'workflow-bundle.js') };
  const stamp = join(dir, 'REF');
  const compiled = existsSync(built.cli) && existsSync(stamp) && readFileSync(stamp, 'utf8') === ref;
  if (!compiled) {
    log(`building the product as it was at ${ref}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', ref, 'src', 'trainers', 'tsconfig.json', 'tsconfig.build.json'], {
      cwd: ROOT,
      maxBuffer: 1 << 28,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    tsc(join(dir, 'tsconfig.build.json'), join(dir, 'dist'), dir);
  }
  // A receiver needs no bundle; a worker built after it adds one to the same compiled tree.
  if (withBundle && !existsSync(built.bundle)) {
    execFileSync(
      process.execPath,
      ['--require', 'tsx/cjs', join(dir, 'src', 'temporal', 'workflow-bundle.ts'), built.bundle],
      { cwd: ROOT, stdio: 'inherit' },
    );
  }
  writeFileSync(stamp, ref);
  return built;
}

/** The receiver's CLI before issue 8. */
export function buildBefore(): string {
  return buildRef(BEFORE_REF, false).cli;
}

export interface ProductEnv {
  temporalAddress: string;
  taskQueue?: string;
  logLevel?: string;
  extra?: Record<string, string>;
  /** Node flags for the process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The product at an earlier commit instead of the working tree's. */
  built?: BuiltRef;
}

function productEnv(e: ProductEnv): NodeJS.ProcessEnv {
  const stateDir = join(WORK, 'state');
  mkdirSync(stateDir, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: e.temporalAddress,
    TEMPORAL_TASK_QUEUE: e.taskQueue ?? 'bench',
    WORKFLOW_BUNDLE_PATH: e.built?.bundle ?? PRODUCT_BUNDLE,
    RETRAIN_STATE_DIR: stateDir,
    RETRAIN_MODELS_DIR: join(WORK, 'models'),
    LOG_LEVEL: e.logLevel ?? 'warn',
    ...e.extra,
  };
}

export interface Receiver {
  url: string;
  proc: Proc;
}

/** `hub-retrain server` (the compiled CLI) with `config`, at LOG_LEVEL=warn unless told otherwise. */
export async function startReceiver(
  e: ProductEnv & { config: unknown; name?: string; cli?: string },
): Promise<Receiver> {
  mkdirSync(WORK, { recursive: true });
  const configPath = join(WORK, `${e.name ?? 'receiver'}-config.json`);
  writeFileSync(configPath, JSON.stringify(e.config, null, 2));
  const port = await freePort();
  const proc = spawnProc(e.name ?? 'receiver', process.execPath, [...(e.nodeArgs ?? []), e.cli ?? CLI_JS, 'server'], {
    cwd: WORK,
    env: { ...productEnv(e), PORT: String(port), WEBHOOK_SECRET: SECRET, RETRAIN_CONFIG: configPath },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc);
  return { url, proc };
}

/** `hub-retrain worker` (the compiled CLI, the pre-built bundle); resolves once it polls its task queue. */
export async function startWorker(client: Client, e: ProductEnv): Promise<Proc> {
  const taskQueue = e.taskQueue ?? 'bench';
  const cli = e.built?.cli ?? CLI_JS;
  const proc = spawnProc('worker', process.execPath, [...(e.nodeArgs ?? []), cli, 'worker'], {
    cwd: WORK,
    env: productEnv({ ...e, taskQueue }),
  });
  await waitFor(
    async () => ((await pollerCount(client, taskQueue)) > 0 ? true : undefined),
    120_000,
    'the worker',
    proc,
  );
  return proc;
}

// ---------------------------------------------------------------------------------------------- peers

export type PeerKind = 'fastapi' | 'webhooks-server';

const python = () => join(VENV, 'bin', 'python');

/** Makes bench/.venv and installs the peers' pinned packages; says which peers could be installed. */
export function ensureVenv(): { fastapi: boolean; webhooksServer: boolean; note?: string } {
  if (!existsSync(python())) {
    log('creating bench/.venv');
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  const pip = (file: string): string | undefined => {
    try {
      execFileSync(
        python(),
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(BENCH, 'peer', file)],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      return undefined;
    } catch (err) {
      return ((err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message).slice(-2000);
    }
  };
  const fastapiError = pip('requirements.txt');
  if (fastapiError) throw new Error(`could not install the FastAPI peer into bench/.venv:\n${fastapiError}`);
  const whsError = pip('requirements-webhooks-server.txt');
  return {
    fastapi: true,
    webhooksServer: !whsError,
    note: whsError
      ? `huggingface_hub WebhooksServer (Gradio) did not install: ${whsError.split('\n').slice(-3).join(' ')}`
      : undefined,
  };
}

/** Versions of the peers' packages, for the results. */
export function peerVersions(): Record<string, string> {
  const out = execFileSync(python(), ['-m', 'pip', 'freeze', '--disable-pip-version-check'], { encoding: 'utf8' });
  const wanted = new Set([
    'fastapi',
    'uvicorn',
    'pydantic',
    'starlette',
    'uvloop',
    'httptools',
    'gradio',
    'huggingface-hub',
  ]);
  const versions: Record<string, string> = {
    python: execFileSync(python(), ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^Python /, ''),
  };
  for (const line of out.split('\n')) {
    const [name, version] = line.split('==');
    if (name && version && wanted.has(name.toLowerCase().replace(/_/g, '-'))) versions[name.toLowerCase()] = version;
  }
  return versions;
}

export interface Peer {
  kind: PeerKind;
  /** The webhook route. */
  url: string;
  proc: Proc;
}

/** One peer stack, configured like the original Space (its four-key config.json) for `dataset`. */
export async function startPeer(kind: PeerKind, dataset: string): Promise<Peer> {
  mkdirSync(WORK, { recursive: true });
  const configPath = join(WORK, `${kind}-config.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      target_namespace: 'bench',
      input_dataset: dataset,
      input_model: 'bench/base',
      autotrain_project_prefix: 'bench',
    }),
  );
  const port = await freePort();
  const script = join(BENCH, 'peer', kind === 'fastapi' ? 'fastapi_app.py' : 'webhooks_server_app.py');
  const proc = spawnProc(kind, python(), [script, '--port', String(port), '--config', configPath], {
    cwd: WORK,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WEBHOOK_SECRET: SECRET,
      GRADIO_ANALYTICS_ENABLED: 'False',
      HF_HUB_DISABLE_EXPERIMENTAL_WARNING: '1',
      HF_HUB_OFFLINE: '1',
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/`, proc);
  return { kind, url: kind === 'fastapi' ? `${base}/webhook` : `${base}/webhooks/webhook`, proc };
}
