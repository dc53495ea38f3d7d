/**
 * Which model serves a pipeline, since when, and who put it there: `<models>/<pipeline>/serving.json`, written
 * by the deploy activities (a deploy, an automatic roll-back, a roll-back by hand) and read by the status API,
 * the page and `hub-retrain rollback`. Written to a temporary file and renamed, so a reader never sees half.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The model a target serves: the registry's run (a dataset revision) and, on the Hub, the repo and commit. */
export const servedModelSchema = z.object({
  /** The dataset revision the model was trained on: the run's folder in the registry. */
  revision: z.string().min(1),
  /** The Hub model repo and its exact commit, for an Inference Endpoint or a Space. */
  repository: z.string().optional(),
  modelRevision: z.string().optional(),
});
export type ServedModel = z.infer<typeof servedModelSchema>;

export const servingEntrySchema = servedModelSchema.extend({
  target: z.enum(['endpoint', 'space', 'local']),
  since: z.string(),
  /** Who put it there: a run's workflow id, or the person (or token) of a roll-back by hand. */
  by: z.string(),
  reason: z.enum(['deploy', 'rollback', 'manual-rollback']),
});
export type ServingEntry = z.infer<typeof servingEntrySchema>;

const servingFileSchema = z.object({
  current: servingEntrySchema,
  /** Earlier entries, newest first, at most HISTORY_KEPT. */
  history: z.array(servingEntrySchema),
});
export type ServingFile = z.infer<typeof servingFileSchema>;

const HISTORY_KEPT = 50;

export class ServingRecord {
  constructor(readonly root: string) {}

  private file(pipeline: string): string {
    return join(this.root, pipeline, 'serving.json');
  }

  read(pipeline: string): ServingFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(pipeline), 'utf8');
    } catch {
      return undefined;
    }
    const parsed = servingFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }

  /** What serves now, if anything was ever deployed. */
  current(pipeline: string): ServingEntry | undefined {
    return this.read(pipeline)?.current;
  }

  /** The model that served most recently at a revision (for a roll-back to it), current first. */
  served(pipeline: string, revision: string): ServingEntry | undefined {
    const file = this.read(pipeline);
    return [file?.current, ...(file?.history ?? [])].find((e) => e?.revision === revision);
  }

  /** The newest earlier entry with another revision than what serves now: the default roll-back target. */
  previous(pipeline: string): ServingEntry | undefined {
    const file = this.read(pipeline);
    return file?.history.find((e) => e.revision !== file.current.revision);
  }

  /** Records a new current entry. Recording what already serves (a retried activity) changes nothing. */
  record(pipeline: string, entry: ServingEntry): ServingFile {
    const file = this.read(pipeline);
    if (file && sameModel(file.current, entry) && file.current.by === entry.by) return file;
    const next: ServingFile = {
      current: entry,
      history: file ? [file.current, ...file.history].slice(0, HISTORY_KEPT) : [],
    };
    const path = this.file(pipeline);
    mkdirSync(join(this.root, pipeline), { recursive: true });
    const staging = `${path}.${process.pid}.${Date.now()}`;
    writeFileSync(staging, JSON.stringify(next, null, 2));
    renameSync(staging, path);
    return next;
  }
}

export function sameModel(a: ServedModel, b: ServedModel): boolean {
  return a.revision === b.revision && a.repository === b.repository && a.modelRevision === b.modelRevision;
}
