/**
 * What a finished job left in its model repo: whether it pushed there at all (the repo changed after the job
 * started), and the evaluation metrics the transformers Trainer writes to its output folder and push_to_hub
 * uploads (`eval_results.json`, else `all_results.json`), read at the commit the repo info named.
 */
import { downloadFile, HubApiError, modelInfo } from '@huggingface/hub';

/** Read in this order: the evaluation's own results, else everything the Trainer wrote (docs/hf-jobs.md says so too). */
export const RESULT_FILES = ['eval_results.json', 'all_results.json'] as const;

export interface PushedModel {
  pushed: boolean;
  /** Numeric entries of the results file (`eval_accuracy`, `eval_loss`, `epoch`, ...). */
  metrics?: Record<string, number>;
}

export interface ModelRepoAccess {
  hubUrl: string;
  accessToken: string;
  fetch: typeof fetch;
}

export async function readPushedModel(repo: string, since: Date, access: ModelRepoAccess): Promise<PushedModel> {
  let info: { sha?: string; updatedAt: Date };
  try {
    info = await modelInfo({ name: repo, additionalFields: ['sha'], ...access });
  } catch (err) {
    // Missing, or private to someone else: nothing was pushed that we can see.
    if (err instanceof HubApiError && (err.statusCode === 401 || err.statusCode === 404)) return { pushed: false };
    throw err;
  }
  // An older model repo is a previous run's: its metrics are not this job's.
  if (info.updatedAt.getTime() < since.getTime()) return { pushed: false };
  for (const path of RESULT_FILES) {
    const blob = await downloadFile({ repo: { type: 'model', name: repo }, path, revision: info.sha, ...access });
    const metrics = blob ? numericEntries(await blob.text()) : undefined;
    if (metrics) return { pushed: true, metrics };
  }
  return { pushed: true };
}

function numericEntries(text: string): Record<string, number> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
