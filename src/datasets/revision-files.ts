import { resolve } from 'node:path';
import { isLocalDataset, type PipelineSpec } from '../config/config-schema';
import { PermanentBackendError } from '../errors';
import { downloadHubSnapshot } from './hub-snapshot';
import { snapshotLocalFolder } from './local-folder';

export interface RevisionFilesDeps {
  /** RETRAIN_STATE_DIR: local folders' snapshots go to `datasets/`, Hub snapshots to `hub-cache/`. */
  stateDir: string;
  hubUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/**
 * The files of a pipeline's dataset at a revision, on this machine: a local folder's frozen copy, or the Hub
 * snapshot (downloaded once; later calls reuse the cache). What the local backend trains and the data checks read.
 */
export async function revisionFiles(
  pipeline: PipelineSpec,
  revision: string,
  deps: RevisionFilesDeps,
): Promise<string> {
  if (isLocalDataset(pipeline)) {
    const folder = pipeline.local_path;
    if (!folder) throw new PermanentBackendError(`pipeline ${pipeline.name} has no local dataset path`);
    return snapshotLocalFolder(folder, revision, resolve(deps.stateDir, 'datasets'));
  }
  return downloadHubSnapshot(pipeline.input_dataset, revision, {
    hubUrl: deps.hubUrl,
    token: deps.token,
    cacheDir: resolve(deps.stateDir, 'hub-cache'),
    fetch: deps.fetch,
  });
}
