/**
 * Watches a local dataset folder and reports a new revision once the folder has changed and then stayed
 * unchanged for the debounce window: saving a CSV retrains the model with no webhook at all.
 * The last reported revision is kept on disk, so a change made while the service was stopped is
 * reported when it starts again.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { folderRevision } from './local-folder';

export interface FolderWatcherOptions {
  folder: string;
  /** Quiet time after the last change before the folder is hashed and reported. */
  debounceMs: number;
  /** Where the last reported revision is remembered. */
  stateFile: string;
  /** Records the revision durably; a rejection is retried after `retryMs`. */
  onRevision: (revision: string, changedAt: Date) => Promise<void>;
  onError?: (err: unknown) => void;
  retryMs?: number;
}

const MIN_DEBOUNCE_MS = 500;

export class FolderWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private lastChange = new Date();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: FolderWatcherOptions) {}

  /** Starts watching; reports at once if the folder changed while nothing was watching it. */
  async start(): Promise<void> {
    const current = await folderRevision(this.options.folder);
    const remembered = this.remembered();
    if (remembered === undefined) this.remember(current);
    else if (remembered !== current) this.schedule(0);
    this.watcher = watch(this.options.folder, { ignoreInitial: true, awaitWriteFinish: false });
    this.watcher.on('all', () => {
      this.lastChange = new Date();
      this.schedule(Math.max(MIN_DEBOUNCE_MS, this.options.debounceMs));
    });
    this.watcher.on('error', (err) => this.options.onError?.(err));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.running.then(() => this.check());
    }, ms);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    try {
      const revision = await folderRevision(this.options.folder);
      if (revision === this.remembered()) return;
      await this.options.onRevision(revision, this.lastChange);
      this.remember(revision);
    } catch (err) {
      this.options.onError?.(err);
      if (!this.stopped) this.schedule(this.options.retryMs ?? 5000);
    }
  }

  private remembered(): string | undefined {
    try {
      return readFileSync(this.options.stateFile, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  private remember(revision: string): void {
    mkdirSync(dirname(this.options.stateFile), { recursive: true });
    writeFileSync(this.options.stateFile, `${revision}\n`);
  }
}
