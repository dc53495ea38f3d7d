/**
 * The CLI commands that talk to a running receiver's HTTP API: pipelines, runs, show, watch, trigger,
 * approve, reject, cancel, send-test-webhook. Human-readable by default, `--json` for scripts.
 */
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { RUN_STATUSES } from '../server/api/api-schemas';
import { CliError } from './cli-error';
import { formatCandidates, formatDecision, formatPipelines, formatRun, formatRuns, output } from './format';
import { awaitDecision, pipelineView } from './pipeline-decision';
import { watchRun } from './watch-run';
import { apiSettings, ReceiverApi } from './receiver-api';
import { sendTestWebhook } from './send-test-webhook';
import { registerRollbackCommand } from './rollback-command';

interface ApiOptions {
  url?: string;
  json?: boolean;
}

const api = (options: ApiOptions): ReceiverApi => new ReceiverApi(apiSettings(options.url));

const REVISION = /^[0-9a-f]{4,40}$/;

/**
 * A run named by the user: `retrain:<pipeline>:<sha>`, the same without `retrain:`, or a revision alone (the
 * whole sha or content hash, or its first 4 characters or more) when it identifies one run.
 */
export async function resolveRun(receiver: ReceiverApi, arg: string): Promise<string> {
  if (arg.startsWith('retrain:')) return arg;
  if (arg.includes(':') || !REVISION.test(arg)) return `retrain:${arg}`;
  const runs = await receiver.runs({ revision: arg, limit: 20 });
  const ids = [...new Set(runs.map((r) => r.workflowId))];
  if (ids.length === 1 && ids[0]) return ids[0];
  if (ids.length === 0) {
    throw new CliError(`no run of revision ${arg} (see: hub-retrain runs); a run is retrain:<pipeline>:<revision>`);
  }
  throw new CliError(formatCandidates(arg, runs));
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** Seconds, fractions allowed (`--interval 0.5`), at least a tenth of a second. */
function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1) throw new InvalidArgumentError('expected a number of seconds, 0.1 or more');
  return n;
}

function apiCommand(program: Command, nameAndArgs: string, description: string): Command {
  return program
    .command(nameAndArgs)
    .description(description)
    .option('--url <url>', 'the receiver (default: $HUB_RETRAIN_URL, else http://localhost:$PORT)')
    .option('--json', 'print JSON instead of text (for scripts)');
}

function defaultUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

export function registerApiCommands(program: Command): void {
  apiCommand(program, 'pipelines', 'list the pipelines: policy, active run, waiting revision, last result').action(
    async (options: ApiOptions) => {
      output(options.json, await api(options).pipelines(), formatPipelines);
    },
  );

  apiCommand(program, 'runs', 'list retrain runs, newest first')
    .option('-p, --pipeline <name>', 'only this pipeline')
    .addOption(new Option('-s, --status <status>', 'only runs in this state').choices([...RUN_STATUSES]))
    .option('-n, --limit <n>', 'at most this many (1-100)', positiveInt, 20)
    .action(
      async (options: ApiOptions & { pipeline?: string; status?: (typeof RUN_STATUSES)[number]; limit: number }) => {
        const runs = await api(options).runs({
          pipeline: options.pipeline,
          status: options.status,
          limit: options.limit,
        });
        output(options.json, runs, formatRuns);
      },
    );

  apiCommand(
    program,
    'show <run>',
    'show one run (by id, or by its revision): stage, verdict, job link, progress, metrics, timings, delivery',
  ).action(async (run: string, options: ApiOptions) => {
    const receiver = api(options);
    output(options.json, await receiver.run(await resolveRun(receiver, run)), formatRun);
  });

  apiCommand(
    program,
    'watch <run>',
    'follow a run: its stage and a progress bar, until it ends (exit 0 if it succeeded)',
  )
    .option('-i, --interval <seconds>', 'seconds between checks (0.5 is fine)', seconds, 2)
    .action(async (run: string, options: ApiOptions & { interval: number }) => {
      const receiver = api(options);
      const final = await watchRun(receiver, await resolveRun(receiver, run), {
        interval: options.interval,
        quiet: options.json,
      });
      output(options.json, final, formatRun);
      if (final.status !== 'succeeded') process.exitCode = 1;
    });

  apiCommand(program, 'trigger <pipeline>', "train the current head of the pipeline's dataset now (needs ADMIN_TOKEN)")
    .option('--no-wait', 'return once the update is recorded, without waiting for what the pipeline does with it')
    .action(async (pipeline: string, options: ApiOptions & { wait: boolean }) => {
      const receiver = api(options);
      const before = options.wait ? await pipelineView(receiver, pipeline) : undefined;
      const answer = await receiver.trigger(pipeline);
      if (!before) {
        output(options.json, answer, (a) => `${a.pipeline}: ${a.message}`);
        return;
      }
      const decision = await awaitDecision(receiver, before);
      output(options.json, { ...answer, decision }, () => formatDecision(answer.pipeline, decision));
    });

  for (const action of ['approve', 'reject'] as const) {
    apiCommand(program, `${action} <run>`, `${action} a run that waits for approval (needs ADMIN_TOKEN)`)
      .option('--by <name>', 'who decides (default: your user name)', defaultUser())
      .option('--comment <text>', 'a comment kept with the decision')
      .action(async (run: string, options: ApiOptions & { by?: string; comment?: string }) => {
        const receiver = api(options);
        const workflowId = await resolveRun(receiver, run);
        const answer = await receiver.decide(workflowId, action, { by: options.by, comment: options.comment });
        output(options.json, answer, (a) => `${a.workflowId}: ${a.message}`);
      });
  }

  apiCommand(program, 'cancel <run>', 'cancel a running run: its training job is stopped (needs ADMIN_TOKEN)').action(
    async (run: string, options: ApiOptions) => {
      const receiver = api(options);
      const answer = await receiver.cancel(await resolveRun(receiver, run));
      output(options.json, answer, (a) => `${a.workflowId}: ${a.message}`);
    },
  );

  registerRollbackCommand(program, defaultUser());

  apiCommand(
    program,
    'send-test-webhook <pipeline>',
    "deliver a signed Hub-format webhook for the pipeline's dataset at its current head (reads config.json and the webhook secret)",
  ).action(async (pipeline: string, options: ApiOptions) => {
    const result = await sendTestWebhook(pipeline, apiSettings(options.url).url);
    output(options.json, result, (r) => r.summary);
    if (!result.accepted) process.exitCode = 1;
  });
}
