/**
 * The separate processes a chaos scenario runs and breaks: the Temporal dev server (the `temporal` CLI,
 * persisting to a SQLite file, so it can be killed and started again), and `hub-retrain worker` /
 * `hub-retrain server` (the real CLI, configured through the environment only, as in production).
 * Every process's output goes to a log file in the scenario's folder, for reading after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli, missingCliMessage } from '../../../src/temporal/dev-server';

const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'hub-retrain.js');

export class ManagedProcess {
  private child?: ChildProcess;
  private out = '';
  private exited?: Promise<void>;
  private log?: WriteStream;
  private starts = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the current incarnation printed. */
  output(): string {
    return this.out;
  }

  /** Spawns the process; resolves once `ready` matches its output (or rejects if it exits first). */
  async start(ready: RegExp, timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.starts += 1;
    this.out = '';
    this.log = createWriteStream(join(this.logDir, `${this.name}-${this.starts}.log`));
    const child = spawn(this.command, this.args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const log = this.log;
    const onData = (d: Buffer) => {
      this.out += d.toString();
      log.write(d);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise<void>((done) => child.once('exit', () => done()));
    void this.exited.then(() => log.end());
    await new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not become ready in ${timeoutMs} ms:\n${this.out.slice(-4000)}`));
      }, timeoutMs);
      const check = () => {
        if (ready.test(this.out)) {
          cleanup();
          resolveReady();
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready:\n${this.out.slice(-4000)}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        child.off('exit', onExit);
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      child.once('exit', onExit);
      check();
    });
  }

  /** SIGKILL: no shutdown hooks, no clean-up, like a machine that lost power. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The `temporal` CLI, found as `npm start` finds it (src/temporal/dev-server.ts): TEMPORAL_CLI_PATH, else the
 * first on PATH, else the project's own install in .tools/temporal (scripts/setup.js), so `npm run test:chaos`
 * works by itself after `npm test` without the CLI on PATH.
 */
export function temporalCli(env: NodeJS.ProcessEnv = process.env, root = ROOT): string {
  const cli = findTemporalCli(env.TEMPORAL_CLI_PATH, env.PATH ?? '', root);
  if (cli === undefined) throw new Error(missingCliMessage());
  return cli;
}

export const SEARCH_ATTRIBUTE_FLAGS = ['RetrainPipeline', 'RetrainDataset', 'RetrainRevision', 'RetrainStage'].flatMap(
  (name) => ['--search-attribute', `${name}=Keyword`],
);

/** Dynamic config values for the dev server (`--dynamic-config-value KEY=JSON`), e.g. lower history limits. */
export type DynamicConfig = Record<string, string | number | boolean>;

/** `temporal server start-dev --db-filename <file>` on a fixed port, so it can be killed and started again. */
export class TemporalServer {
  readonly address: string;
  private readonly process: ManagedProcess;

  constructor(
    readonly dbFile: string,
    readonly port: number,
    logDir: string,
    dynamicConfig: DynamicConfig = {},
  ) {
    this.address = `127.0.0.1:${port}`;
    this.process = new ManagedProcess(
      'temporal',
      temporalCli(),
      [
        'server',
        'start-dev',
        '--db-filename',
        dbFile,
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--headless',
        '--log-level',
        'error',
        ...SEARCH_ATTRIBUTE_FLAGS,
        ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
          '--dynamic-config-value',
          `${key}=${JSON.stringify(value)}`,
        ]),
      ],
      {},
      logDir,
    );
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Starts the server and waits until the default namespace answers. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (err) {
        // Another process on this machine may take a port the CLI picked at random (HTTP API, metrics,
        // internal services) between the CLI's choice and its bind: start again.
        if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
        await this.process.kill9();
      }
    }
  }

  private async startOnce(): Promise<void> {
    // The CLI prints its banner before the frontend accepts calls: wait for the namespace itself.
    await this.process.start(/Temporal Server:|Server:/, 60_000);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2000 });
        try {
          await connection.withDeadline(Date.now() + 3000, () =>
            connection.workflowService.describeNamespace({ namespace: 'default' }),
          );
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline || !this.process.running)
          throw new Error(`Temporal did not become ready: ${(err as Error).message}\n${this.process.output()}`, {
            cause: err,
          });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  kill9(): Promise<void> {
    return this.process.kill9();
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

/** `node bin/hub-retrain.js <command>` with a clean environment. */
export function cliProcess(name: string, command: 'worker' | 'server', env: Record<string, string>, logDir: string) {
  return new ManagedProcess(name, process.execPath, [CLI, command], env, logDir);
}

/** Ready lines the CLI logs (pino JSON) once a worker polls and once a receiver listens. */
export const WORKER_READY = /"msg":"worker running"/;
export const RECEIVER_READY = /"msg":"receiver listening"/;
