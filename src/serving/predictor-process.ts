/**
 * One loaded model: a trainers `serve` process (the TypeScript trainers' for a baseline model, the transformers
 * trainer's serve.py for a `save_pretrained` folder) that answers JSON lines. Requests are matched to answers by
 * id; close() lets the requests in flight finish before it ends the process, so a swap drops none.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trainersCommand } from '../backends/trainer-process';
import { SETUP_COMMAND, transformersTrainer } from '../backends/transformers-trainer';

export interface Prediction {
  label: string;
  scores: Record<string, number>;
}

interface Pending {
  resolve(prediction: Prediction): void;
  reject(err: Error): void;
}

/** A bad input: the model answered with an error for this request (the process goes on). */
export class PredictionInputError extends Error {
  override readonly name = 'PredictionInputError';
}

/** A transformers folder (config.json, no pointer to a remote model) is served by serve.py; else the baseline. */
export function serveCommand(modelDir: string): string[] {
  const transformers = existsSync(join(modelDir, 'config.json')) && !existsSync(join(modelDir, 'model.json'));
  if (!transformers) return [...trainersCommand('serve'), modelDir];
  const { serve, python } = transformersTrainer();
  if (!existsSync(python)) {
    throw new Error(
      `${modelDir} is a transformers model and the transformers trainer is not installed: run \`${SETUP_COMMAND}\``,
    );
  }
  return [...serve, modelDir];
}

export class PredictorProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited?: Error;
  private closing = false;
  readonly labels: string[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly modelDir: string,
  ) {}

  /** Starts the process and resolves once the model is loaded (its `ready` line), or rejects with why not. */
  static start(modelDir: string, loadTimeoutMs = 120_000): Promise<PredictorProcess> {
    const [program, ...args] = serveCommand(modelDir);
    const child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const proc = new PredictorProcess(child, modelDir);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`loading ${modelDir} took longer than ${loadTimeoutMs} ms`));
      }, loadTimeoutMs);
      const lines = createInterface({ input: child.stdout });
      let ready = false;
      lines.on('line', (line) => {
        const message = parse(line);
        if (!ready) {
          if (message?.ready === true) {
            ready = true;
            clearTimeout(timer);
            if (Array.isArray(message.labels)) proc.labels.push(...message.labels.map(String));
            resolve(proc);
          }
          return;
        }
        proc.answer(message);
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        const why =
          stderr
            .split('\n')
            .find((l) => l.startsWith('error: '))
            ?.slice(7) ?? stderr.trim().split('\n').pop();
        proc.exited = new Error(
          `the model server for ${modelDir} exited (${signal ?? `code ${code}`})${why ? `: ${why}` : ''}`,
        );
        if (!ready) reject(proc.exited);
        for (const p of proc.pending.values()) p.reject(proc.exited);
        proc.pending.clear();
      });
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  predict(input: string): Promise<Prediction> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, input })}\n`);
    });
  }

  private answer(message: Record<string, unknown> | undefined): void {
    const id = typeof message?.id === 'number' ? message.id : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!message || !pending || id === undefined) return;
    this.pending.delete(id);
    try {
      if (typeof message.error === 'string') return pending.reject(new PredictionInputError(message.error));
      if (typeof message.label !== 'string' || typeof message.scores !== 'object' || message.scores === null) {
        return pending.reject(new Error('the model server answered without a label'));
      }
      pending.resolve({ label: message.label, scores: message.scores as Record<string, number> });
    } finally {
      // A process being closed ends once its last request has an answer, whatever the answer was.
      if (this.closing && this.pending.size === 0) this.child.stdin.end();
    }
  }

  /** Ends the process once the requests in flight have their answers (stdin closed: the server exits). */
  close(): void {
    this.closing = true;
    if (this.pending.size === 0 && !this.exited) this.child.stdin.end();
  }

  /** Ends it now (shutdown). */
  kill(): void {
    this.child.kill();
  }
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
