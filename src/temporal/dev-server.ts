import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

export interface DevServerOptions {
  /** Folder for the SQLite file; omit for an in-memory server (tests). */
  stateDir?: string;
  port?: number;
  /** Web UI port; omit for no UI. */
  uiPort?: number;
  namespace?: string;
  /** TEMPORAL_CLI_PATH; else `temporal` from PATH; else the SDK downloads the CLI. */
  cliPath?: string;
  logLevel?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  executable: string;
  stop(): Promise<void>;
}

/** The `temporal` CLI to run: an explicit path, or the first on PATH. */
export function findTemporalCli(explicit?: string, path = process.env.PATH ?? ''): string | undefined {
  if (explicit) return resolve(explicit);
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
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

/**
 * Starts the Temporal dev server (the CLI's `server start-dev`) with our search attributes registered,
 * persisting to `<stateDir>/temporal.db` when a state folder is given.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = findTemporalCli(options.cliPath);
  let dbFilename: string | undefined;
  if (options.stateDir) {
    mkdirSync(options.stateDir, { recursive: true });
    dbFilename = resolve(options.stateDir, 'temporal.db');
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      dbFilename,
      port: options.port,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      namespace: options.namespace ?? 'default',
      searchAttributes: [...SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: options.logLevel ?? 'warn' },
    },
  });
  return {
    address: env.address,
    uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
    executable: cli ?? 'SDK download',
    stop: () => env.teardown(),
  };
}
