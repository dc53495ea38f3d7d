/**
 * `hub-retrain rollback <pipeline> [--to <revision>]`: puts an earlier model back in service through the receiver
 * (a RollbackWorkflow: the same deploy, health and smoke checks as after a promotion), waits for it to end, and
 * says which model serves. Exit 1 if the roll-back failed (what served then still serves, or is restored).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import type { RollbackView } from '../server/api/serving-schemas';
import { CliError } from './cli-error';
import { output } from './format';
import { apiSettings, ReceiverApi } from './receiver-api';

export interface RollbackOptions {
  url?: string;
  json?: boolean;
  to?: string;
  by?: string;
  wait: boolean;
}

export function registerRollbackCommand(program: Command, defaultUser: string | undefined): void {
  program
    .command('rollback <pipeline>')
    .description('put the model that served before (or --to <revision>) back in service (needs ADMIN_TOKEN)')
    .option('--to <revision>', "a revision of the pipeline's registry (default: what served before what serves now)")
    .option('--by <name>', 'who rolls back (default: your user name)', defaultUser)
    .option('--no-wait', 'return once the roll-back has started')
    .option('--url <url>', 'the receiver (default: $HUB_RETRAIN_URL, else http://localhost:$PORT)')
    .option('--json', 'print JSON instead of text (for scripts)')
    .action(async (pipeline: string, options: RollbackOptions) => {
      const receiver = new ReceiverApi(apiSettings(options.url));
      const started = await receiver.rollback(pipeline, { to: options.to, by: options.by });
      if (!options.wait) {
        output(options.json, started, (s) => `${s.pipeline}: roll-back started (${s.workflowId})`);
        return;
      }
      const final = await untilEnded(receiver, started.workflowId);
      output(options.json, final, (r) => describeRollback(pipeline, r));
      if (final.status !== 'completed') process.exitCode = 1;
    });
}

async function untilEnded(receiver: ReceiverApi, workflowId: string): Promise<RollbackView> {
  for (;;) {
    const state = await receiver.rollbackState(workflowId).catch((err: unknown) => {
      // Just started: a moment before the receiver can describe it.
      if (err instanceof CliError && /no roll-back/.test(err.message)) return undefined;
      throw err;
    });
    if (state && state.status !== 'running') return state;
    await delay(1000);
  }
}

export function describeRollback(pipeline: string, r: RollbackView): string {
  const d = r.deployment;
  if (r.status === 'completed' && d) {
    const model = d.repository ? `${d.repository}@${(d.modelRevision ?? 'main').slice(0, 7)}` : d.revision.slice(0, 7);
    return `${pipeline}: ${model} (revision ${d.revision.slice(0, 7)}) serves again on the ${d.target}, put there by ${d.by}`;
  }
  return `${pipeline}: the roll-back failed: ${r.error ?? 'unknown error'}`;
}
