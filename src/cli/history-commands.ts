/**
 * `hub-retrain history export|replay`: take histories of real runs from a live Temporal, and replay them
 * against the workflow code in this checkout before shipping a change to it (see "Changing workflow code"
 * in the README).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Command } from 'commander';
import { loadEnv } from '../config/env';
import { tracesEndpoint } from '../observability/tracing';
import { connectClient, temporalConnectionOptions } from '../temporal/connection-options';
import { payloadCodecs } from '../temporal/payload-codec';
import { replayHistoryFiles } from '../temporal/replay-histories';
import { bundlePathFromEnv } from '../temporal/workflow-bundle';
import { print } from './format';

export function registerHistoryCommands(program: Command): void {
  const history = program
    .command('history')
    .description('export workflow histories, and replay them against this code');

  history
    .command('export')
    .description('write the histories of the workflows a visibility query selects (TEMPORAL_ADDRESS) as JSON files')
    .option('--query <query>', 'a Temporal visibility query', "WorkflowType IN ('RetrainWorkflow', 'PipelineWorkflow')")
    .option('--out <dir>', 'where to write them', 'histories')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 50)
    .action(async (options: { query: string; out: string; limit: number }) => {
      const env = loadEnv();
      const connection = await connectClient(temporalConnectionOptions(env), false);
      const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
      try {
        mkdirSync(options.out, { recursive: true });
        let written = 0;
        for await (const wf of client.workflow.list({ query: options.query })) {
          if (written >= options.limit) break;
          const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
          const file = join(options.out, `${wf.workflowId.replace(/[^\w.-]+/g, '_')}-${wf.runId.slice(0, 8)}.json`);
          writeFileSync(file, historyToJSON(history));
          print(`${file}  (${wf.type}, ${history.events?.length ?? 0} events)`);
          written += 1;
        }
        if (written === 0) print(`no workflow matches ${options.query}`);
      } finally {
        await connection.close();
      }
    });

  history
    .command('replay <files...>')
    .description(
      'replay history files against this version of the workflow code (RETRAIN_PAYLOAD_KEY decodes encrypted ones)',
    )
    .action(async (files: string[]) => {
      const env = loadEnv();
      // The code this deployment's worker runs: the traced bundle when tracing is on.
      const traced = tracesEndpoint(env) !== undefined;
      const outcomes = await replayHistoryFiles(files, {
        traced,
        bundlePath: bundlePathFromEnv(env, traced),
        payloadCodecs: payloadCodecs(env.RETRAIN_PAYLOAD_KEY),
      });
      for (const o of outcomes) print(`${o.ok ? 'ok  ' : 'FAIL'}  ${o.file}${o.error ? `\n      ${o.error}` : ''}`);
      if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
    });
}
