/**
 * Creates a Hub repo unless it exists, as huggingface_hub's `create_repo(exist_ok=True)` does (`hf_api.py`): 409 is
 * "exists"; 401, 402 and 403 may be a token that may write to the repo but not create repos (a fine-grained token,
 * a namespace without payment), so look for the repo before failing. A 409 "another conflicting operation is in
 * progress" is not "exists": it is tried again.
 */
import { createRepo, HubApiError } from '@huggingface/hub';
import { requestJson } from '../http/request-json';
import { hubFetch } from './hub-fetch';
import type { RepoRef } from './hub-client';

export interface EnsureRepoOptions {
  hubUrl: string;
  token: string;
  private: boolean;
  fetch?: typeof fetch;
}

const CONFLICT_RETRIES = 3;

/** Creates `repo` (private when asked) unless it exists; `created` says which. */
export async function ensureRepo(repo: RepoRef, options: EnsureRepoOptions): Promise<{ created: boolean }> {
  const fetchImpl = hubFetch(options.fetch);
  for (let attempt = 1; ; attempt++) {
    try {
      await createRepo({
        repo: { type: repo.type, name: repo.name },
        visibility: options.private ? 'private' : 'public',
        accessToken: options.token,
        hubUrl: options.hubUrl,
        fetch: fetchImpl,
      });
      return { created: true };
    } catch (err) {
      if (!(err instanceof HubApiError)) throw err;
      if (err.statusCode === 409 && /conflicting operation/i.test(err.message) && attempt < CONFLICT_RETRIES) continue;
      if (err.statusCode === 409) return { created: false };
      if (
        [401, 402, 403].includes(err.statusCode) &&
        (await repoExists(repo, options.hubUrl, options.token, fetchImpl))
      ) {
        return { created: false };
      }
      throw err;
    }
  }
}

/** Whether the token can see the repo (`GET /api/{type}s/{id}`, 200). */
async function repoExists(repo: RepoRef, hubUrl: string, token: string, fetchImpl: typeof fetch): Promise<boolean> {
  const res = await requestJson(`${hubUrl}/api/${repo.type}s/${repo.name}`, {
    token,
    accept: [401, 403, 404],
    fetch: fetchImpl,
  });
  return res.status === 200;
}
