import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadFiles } from '@huggingface/hub';
import { listDataFiles } from '../datasets/local-folder';
import { COMPARISON_FILE } from './comparison-file';
import { ensureRepo } from '../hub/ensure-repo';
import { hubFetch } from '../hub/hub-fetch';

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
  await ensureRepo(repo, {
    hubUrl: options.hubUrl,
    token: options.token,
    private: options.private,
    fetch: options.fetch,
  });
  // comparison.json is the run's evidence for the gate (every evaluation row's label), not part of the model.
  const paths = (await listDataFiles(options.folder)).filter((path) => path !== COMPARISON_FILE);
  const files = await Promise.all(
    paths.map(async (path) => ({ path, content: new Blob([await readFile(join(options.folder, path))]) })),
  );
  const output = await uploadFiles({ ...common, repo, files, commitTitle: options.commitTitle, useXet: false });
  return { url: `${options.hubUrl}/${options.repo}`, commit: output?.commit.oid };
}
