import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRepo, HubApiError, uploadFiles } from '@huggingface/hub';
import { listDataFiles } from '../datasets/local-folder';
import { hubFetch } from './hub-fetch';

export interface PublishOptions {
  hubUrl: string;
  token: string;
  /** `owner/name` of the model repo; created (private by default) when missing. */
  repo: string;
  folder: string;
  private: boolean;
  commitTitle: string;
  fetch?: typeof fetch;
}

/** Uploads every file of a model folder to a Hub model repo in one commit. */
export async function publishModelFolder(options: PublishOptions): Promise<{ url: string; commit?: string }> {
  const common = { accessToken: options.token, hubUrl: options.hubUrl, fetch: hubFetch(options.fetch) };
  const repo = { type: 'model' as const, name: options.repo };
  try {
    await createRepo({ ...common, repo, visibility: options.private ? 'private' : 'public' });
  } catch (err) {
    if (!(err instanceof HubApiError && err.statusCode === 409)) throw err; // 409: it exists already
  }
  const paths = await listDataFiles(options.folder);
  const files = await Promise.all(
    paths.map(async (path) => ({ path, content: new Blob([await readFile(join(options.folder, path))]) })),
  );
  const output = await uploadFiles({ ...common, repo, files, commitTitle: options.commitTitle, useXet: false });
  return { url: `${options.hubUrl}/${options.repo}`, commit: output?.commit.oid };
}
