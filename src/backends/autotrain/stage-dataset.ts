/**
 * AutoTrain trains exactly the run's revision. Its create_project has no revision field and its trainer calls
 * `load_dataset(hub_dataset)` with none (autotrain-advanced `src/autotrain/trainers/image_classification/
 * __main__.py`), so it reads whatever `main` holds when the trainer starts, minutes later. Instead of the
 * dataset itself, AutoTrain gets a private dataset repo of the run's own, `<namespace>/autotrain-data-<project>`,
 * holding the files of the run's revision and written by nothing else; it is deleted when the run ends.
 *
 * Staging compares the two trees and commits only what differs, in batches, so an attempt cut short (the step's
 * two-minute limit on a large dataset) leaves committed batches that the retried attempt does not send again.
 */
import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { commit, listFiles, type CommitOperation, type ListFileEntry } from '@huggingface/hub';
import { downloadHubSnapshot } from '../../datasets/hub-snapshot';
import { ensureRepo } from '../../hub/ensure-repo';
import { hubFetch } from '../../hub/hub-fetch';

/** A commit carries at most this many files or bytes. */
const BATCH_FILES = 100;
const BATCH_BYTES = 512 * 1024 * 1024;

export interface StageOptions {
  hubUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** The run's dataset and the exact commit to stage. */
  source: string;
  revision: string;
  /** The staging dataset repo. */
  target: string;
  /** Where dataset snapshots are cached (shared with the local backend's downloads). */
  cacheDir: string;
}

export interface Staged {
  /** Files added, replaced or deleted by this call (0: it was staged already). */
  changed: number;
  commits: number;
}

/** The staging dataset repo of an AutoTrain project. */
export function stagingRepoId(namespace: string, projectName: string): string {
  return `${namespace}/autotrain-data-${projectName}`;
}

export async function stageRevision(options: StageOptions): Promise<Staged> {
  const access = { accessToken: options.token, hubUrl: options.hubUrl, fetch: hubFetch(options.fetch) };
  await ensureRepo({ type: 'dataset', name: options.target }, { ...options, private: true });
  const wanted = await filesAt(options.source, options.revision, access);
  const present = await filesAt(options.target, 'main', access);
  const toAdd = [...wanted.values()].filter((f) => present.get(f.path)?.key !== f.key);
  const toDelete = [...present.keys()].filter((path) => !wanted.has(path));
  if (toAdd.length === 0 && toDelete.length === 0) return { changed: 0, commits: 0 };

  const dir = toAdd.length === 0 ? '' : await downloadHubSnapshot(options.source, options.revision, options);
  const batches = batchesOf(toAdd);
  if (batches.length === 0) batches.push([]);
  for (const [i, batch] of batches.entries()) {
    const operations: CommitOperation[] = i === 0 ? toDelete.map((path) => ({ operation: 'delete', path })) : [];
    for (const file of batch) {
      operations.push({ operation: 'addOrUpdate', path: file.path, content: await openAsBlob(join(dir, file.path)) });
    }
    await commit({
      ...access,
      repo: { type: 'dataset', name: options.target },
      operations,
      title: `hub-retrain: ${options.source}@${options.revision}${batches.length > 1 ? ` (${i + 1}/${batches.length})` : ''}`,
      description: `The files of ${options.source} at ${options.revision}, for one AutoTrain run.`,
      useXet: false,
    });
  }
  return { changed: toAdd.length + toDelete.length, commits: batches.length };
}

interface StagedFile {
  path: string;
  size: number;
  /** The same bytes have the same key in any repo: the LFS sha256, else the git blob id. */
  key: string;
}

async function filesAt(
  dataset: string,
  revision: string,
  access: { accessToken: string; hubUrl: string; fetch: typeof fetch },
): Promise<Map<string, StagedFile>> {
  const out = new Map<string, StagedFile>();
  const entries: AsyncIterable<ListFileEntry> = listFiles({
    ...access,
    repo: { type: 'dataset', name: dataset },
    revision,
    recursive: true,
  });
  for await (const entry of entries) {
    if (entry.type !== 'file') continue;
    out.set(entry.path, {
      path: entry.path,
      size: entry.size,
      key: entry.lfs?.oid ?? entry.oid ?? `size:${entry.size}`,
    });
  }
  return out;
}

function batchesOf(files: StagedFile[]): StagedFile[][] {
  const batches: StagedFile[][] = [];
  let current: StagedFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= BATCH_FILES || bytes + file.size > BATCH_BYTES)) {
      batches.push(current);
      [current, bytes] = [[], 0];
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
