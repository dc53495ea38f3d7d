/**
 * The local predict endpoint's models: per pipeline, the model the registry's `current` link points at, loaded in
 * a predictor process. When `current` moves (a promotion, a roll-back) the new model is loaded beside the old one,
 * which answers until the new one is ready; then new requests go to the new one and the old one ends once its
 * requests in flight are answered. No request is dropped or refused during a swap.
 */
import { readlinkSync } from 'node:fs';
import { ModelRegistry } from '../registry/model-registry';
import { PredictorProcess, type Prediction } from './predictor-process';

export interface LocalServing {
  /** The revision that answers now. */
  revision?: string;
  /** When it started answering (this process's time). */
  since?: string;
  /** A revision being loaded to take over. */
  loading?: string;
  /** Why the last load failed (the model before it still answers). */
  error?: string;
}

/** No model to answer with: nothing promoted yet, or the first load failed. */
export class NoModelError extends Error {
  override readonly name = 'NoModelError';
}

interface Slot {
  active?: { revision: string; proc: PredictorProcess; since: string };
  loading?: { revision: string; done: Promise<void> };
  failed?: { revision: string; error: string; at: number };
  checkedAt: number;
}

export interface ModelServerOptions {
  /** How often a predict request looks at `current` (a readlink); a status read always looks. */
  checkEveryMs?: number;
  /** A model that failed to load is tried again after this long. */
  retryFailedAfterMs?: number;
  onSwap?: (pipeline: string, from: string | undefined, to: string) => void;
  onError?: (pipeline: string, revision: string, err: Error) => void;
}

export class ModelServer {
  private readonly slots = new Map<string, Slot>();
  private readonly registry: ModelRegistry;
  private closed = false;

  constructor(
    modelsDir: string,
    private readonly options: ModelServerOptions = {},
  ) {
    this.registry = new ModelRegistry(modelsDir);
  }

  /** Answers every input with the model in service; resolves with the revision that answered. */
  async predict(pipeline: string, inputs: string[]): Promise<{ revision: string; predictions: Prediction[] }> {
    const slot = this.refresh(pipeline, false);
    if (!slot.active && slot.loading) await slot.loading.done;
    const active = slot.active;
    if (!active) {
      throw new NoModelError(
        slot.failed
          ? `the model of "${pipeline}" could not be loaded: ${slot.failed.error}`
          : `pipeline "${pipeline}" has no model in service yet`,
      );
    }
    // Every request is sent before anything is awaited: a swap that follows finds them in flight and waits.
    const predictions = await Promise.all(inputs.map((input) => active.proc.predict(input)));
    return { revision: active.revision, predictions };
  }

  /** What answers now, after a look at `current` (which starts loading a new model). */
  status(pipeline: string): LocalServing {
    const slot = this.refresh(pipeline, true);
    return {
      revision: slot.active?.revision,
      since: slot.active?.since,
      loading: slot.loading?.revision,
      error: slot.failed?.error,
    };
  }

  /** Ends every model process (shutdown). */
  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) slot.active?.proc.kill();
  }

  private refresh(pipeline: string, force: boolean): Slot {
    let slot = this.slots.get(pipeline);
    if (!slot) this.slots.set(pipeline, (slot = { checkedAt: 0 }));
    const now = Date.now();
    if (!force && now - slot.checkedAt < (this.options.checkEveryMs ?? 200)) return slot;
    slot.checkedAt = now;
    const wanted = this.currentRevision(pipeline);
    if (!wanted || this.closed || wanted === slot.active?.revision || wanted === slot.loading?.revision) return slot;
    const failed = slot.failed;
    if (failed?.revision === wanted && now - failed.at < (this.options.retryFailedAfterMs ?? 5_000)) return slot;
    this.load(pipeline, slot, wanted);
    return slot;
  }

  private load(pipeline: string, slot: Slot, revision: string): void {
    const done = PredictorProcess.start(this.registry.runDir(pipeline, revision)).then(
      (proc) => {
        if (slot.loading?.revision !== revision || this.closed) return proc.kill(); // overtaken by a newer load
        const old = slot.active;
        slot.active = { revision, proc, since: new Date().toISOString() };
        slot.loading = undefined;
        slot.failed = undefined;
        old?.proc.close();
        this.options.onSwap?.(pipeline, old?.revision, revision);
      },
      (err: Error) => {
        if (slot.loading?.revision === revision) slot.loading = undefined;
        slot.failed = { revision, error: err.message, at: Date.now() };
        this.options.onError?.(pipeline, revision, err);
      },
    );
    slot.loading = { revision, done };
  }

  private currentRevision(pipeline: string): string | undefined {
    try {
      return readlinkSync(this.registry.currentDir(pipeline));
    } catch {
      return undefined;
    }
  }
}
