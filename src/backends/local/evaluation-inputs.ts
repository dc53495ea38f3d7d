/**
 * What a local trainer needs to measure the model in service beside its own (issue 23): the folder of the model
 * in service, and the pinned evaluation set (`evaluation.dataset`) as a frozen folder. Passed in the process
 * contract's environment as RETRAIN_CURRENT_MODEL_DIR and RETRAIN_EVAL_DATA_DIR (trainers/README.md).
 */
import { HubApiError } from '@huggingface/hub';
import { readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PipelineSpec } from '../../config/config-schema';
import { downloadHubSnapshot, type HubSnapshotOptions } from '../../datasets/hub-snapshot';
import { folderRevision, snapshotLocalFolder } from '../../datasets/local-folder';
import { PermanentBackendError } from '../../errors';

/**
 * The folder the registry's `current` link points at (`<modelsDir>/<pipeline>/<revision>`, src/registry), resolved
 * now so the run measures one fixed model; undefined when no model is in service. A link to a folder that is gone
 * is still returned: the trainer says it cannot load it, and the gate promotes nothing on it.
 */
export function currentModelDir(modelsDir: string, pipeline: string): string | undefined {
  try {
    return resolve(modelsDir, pipeline, readlinkSync(resolve(modelsDir, pipeline, 'current')));
  } catch {
    return undefined;
  }
}

/**
 * The pinned evaluation set as a local folder (a frozen copy), or undefined when the pipeline names none. A set
 * that cannot be read throws: a PermanentBackendError when retrying will not help; `after` ends the message (what
 * the run does without it).
 */
export async function pinnedEvaluationSet(
  pipeline: Pick<PipelineSpec, 'evaluation' | 'evaluation_path'>,
  stateDir: string,
  hub: Omit<HubSnapshotOptions, 'cacheDir'>,
  after = 'nothing was trained, so no model is compared or promoted',
): Promise<string | undefined> {
  const evaluation = pipeline.evaluation;
  if (!evaluation) return undefined;
  try {
    if (pipeline.evaluation_path) {
      const revision = await folderRevision(pipeline.evaluation_path);
      return await snapshotLocalFolder(pipeline.evaluation_path, revision, resolve(stateDir, 'datasets'));
    }
    return await downloadHubSnapshot(evaluation.dataset, evaluation.revision!, {
      ...hub,
      cacheDir: resolve(stateDir, 'hub-cache'),
    });
  } catch (err) {
    const at = evaluation.revision ? ` at ${evaluation.revision.slice(0, 7)}` : '';
    const message = `evaluation.dataset: the pinned evaluation set ${evaluation.dataset}${at} cannot be read (${err instanceof Error ? err.message : String(err)}); ${after}`;
    // A folder that is gone, or a Hub answer that says no (404, 401, 403): retrying will not help. 429 and 5xx may.
    const refused =
      err instanceof HubApiError && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429;
    throw refused || err instanceof PermanentBackendError ? new PermanentBackendError(message) : new Error(message);
  }
}
