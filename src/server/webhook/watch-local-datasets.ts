import { join } from 'node:path';
import type { PipelineSpec } from '../../config/config-schema';
import { FolderWatcher } from '../../datasets/folder-watcher';
import type { Logger } from '../../logging';
import type { UpdateRecorder } from './record-update';

/**
 * One watcher per pipeline whose dataset is a local folder: when the folder changes and stays unchanged
 * for the pipeline's debounce, the new revision is recorded into the pipeline like a webhook would be.
 */
export async function watchLocalDatasets(
  pipelines: readonly PipelineSpec[],
  recorder: UpdateRecorder,
  stateDir: string,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const watchers: FolderWatcher[] = [];
  for (const pipeline of pipelines) {
    const folder = pipeline.local_path;
    if (!folder) continue;
    const watcher = new FolderWatcher({
      folder,
      debounceMs: pipeline.debounce_seconds * 1000,
      stateFile: join(stateDir, 'watch', `${pipeline.name}.revision`),
      onRevision: async (revision, changedAt) => {
        await recorder.record(pipeline, revision, {
          source: 'watch',
          receivedAt: new Date().toISOString(),
          changedAt: changedAt.toISOString(),
        });
        logger.info({ event: 'update', pipeline: pipeline.name, folder, revision }, 'dataset folder changed: recorded');
      },
      onError: (err) =>
        logger.warn({ pipeline: pipeline.name, folder, err: { message: (err as Error).message } }, 'folder watcher'),
    });
    await watcher.start();
    watchers.push(watcher);
    logger.info({ pipeline: pipeline.name, folder }, 'watching dataset folder');
  }
  return { stop: async () => void (await Promise.all(watchers.map((w) => w.stop()))) };
}
