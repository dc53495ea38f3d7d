import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowSinks } from '../observability/workflow-sinks';
import { workflowInterceptorModules } from './workflow-bundle';

export interface ReplayOutcome {
  file: string;
  ok: boolean;
  error?: string;
}

/**
 * Replays exported histories (JSON, as the Web UI, the CLI or `hub-retrain history export` write them)
 * against this version of the workflow code: a failure means a change would break workflows that are
 * running. Encrypted histories need the same RETRAIN_PAYLOAD_KEY codecs.
 */
export async function replayHistoryFiles(
  files: string[],
  options: { bundlePath?: string; traced?: boolean; payloadCodecs?: PayloadCodec[] } = {},
): Promise<ReplayOutcome[]> {
  const histories = await Promise.all(
    files.map(async (file) => ({
      workflowId: basename(file, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(file, 'utf8'))),
    })),
  );
  const code = options.bundlePath
    ? { workflowBundle: { codePath: options.bundlePath } }
    : {
        workflowsPath: require.resolve('../workflows'),
        interceptors: { workflowModules: workflowInterceptorModules(options.traced ?? false) },
      };
  const outcomes: ReplayOutcome[] = [];
  const results = Worker.runReplayHistories(
    { ...code, dataConverter: { payloadCodecs: options.payloadCodecs ?? [] }, sinks: workflowSinks() },
    histories,
  );
  for await (const result of results) {
    const file = files[histories.findIndex((h) => h.workflowId === result.workflowId)] ?? result.workflowId;
    outcomes.push({ file, ok: !result.error, error: result.error?.message });
  }
  return outcomes;
}
