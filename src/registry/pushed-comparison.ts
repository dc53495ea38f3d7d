/**
 * What a Jobs run pushed for the promotion gate (issue 23): the commit its model repo is at now (the model this
 * run pushed; the model in service is measured at it by later runs) and the `comparison.json` the trainer pushed
 * with the model, if any.
 */
import { downloadFile, HubApiError, modelInfo } from '@huggingface/hub';
import { COMPARISON_FILE } from './comparison-file';
import { hubFetch } from '../hub/hub-fetch';

export interface PushedComparison {
  /** The model repo's commit. */
  revision?: string;
  /** comparison.json's text, when the job pushed one. */
  comparison?: string;
}

export async function readPushedComparison(
  repo: string,
  access: { hubUrl: string; accessToken?: string; fetch?: typeof fetch },
): Promise<PushedComparison> {
  const common = { hubUrl: access.hubUrl, accessToken: access.accessToken, fetch: hubFetch(access.fetch) };
  const sha = await modelCommit(repo, access);
  if (!sha) return {};
  const blob = await downloadFile({
    repo: { type: 'model', name: repo },
    path: COMPARISON_FILE,
    revision: sha,
    ...common,
  });
  return { revision: sha, comparison: blob ? await blob.text() : undefined };
}

/** The commit a model repo is at now; undefined when it is gone or this token cannot read it. */
export async function modelCommit(
  repo: string,
  access: { hubUrl: string; accessToken?: string; fetch?: typeof fetch },
): Promise<string | undefined> {
  try {
    const info = await modelInfo({
      name: repo,
      additionalFields: ['sha'],
      hubUrl: access.hubUrl,
      accessToken: access.accessToken,
      fetch: hubFetch(access.fetch),
    });
    return info.sha;
  } catch (err) {
    // Gone, or not readable with this token: nothing to compare with (the verdict says so).
    if (err instanceof HubApiError && [401, 403, 404].includes(err.statusCode)) return undefined;
    throw err;
  }
}
