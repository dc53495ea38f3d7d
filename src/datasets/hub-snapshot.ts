import { snapshotDownload } from '@huggingface/hub';
import { hubFetch } from '../hub/hub-fetch';

export interface HubSnapshotOptions {
  hubUrl: string;
  token?: string;
  /** Shared by every run; laid out like the Python library's cache (blobs, snapshots/<sha>). */
  cacheDir: string;
  fetch?: typeof fetch;
}

/**
 * Downloads a Hub dataset (or, with `type`, a model) at an exact commit (once; later runs reuse the cache) and
 * returns its folder.
 */
export async function downloadHubSnapshot(
  dataset: string,
  revision: string,
  options: HubSnapshotOptions,
  type: 'dataset' | 'model' = 'dataset',
): Promise<string> {
  return snapshotDownload({
    repo: { type, name: dataset },
    revision,
    cacheDir: options.cacheDir,
    hubUrl: options.hubUrl,
    accessToken: options.token,
    fetch: hubFetch(options.fetch),
  });
}
