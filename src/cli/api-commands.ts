/**
 * The CLI commands that talk to a running receiver's HTTP API: pipelines, runs, show, watch, trigger,
 * approve, reject, cancel, send-test-webhook. Human-readable by default, `--json` for scripts.
 */
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { RUN_STATUSES } from '../server/api-schemas';
import { formatPipelines, formatRun, formatRuns, output } from './format';
import { watchRun } from './watch-run';
import { apiSettings, ReceiverApi } from './receiver-api';
import { sendTestWebhook } from './send-test-webhook';

interface ApiOptions {
  url?: string;
  json?: boolean;
}

const api = (options: ApiOptions): ReceiverApi => new ReceiverApi(apiSettings(options.url));

/** `retrain:<pipeline>:<sha>`; the `retrain:` prefix may be left out. */
const runId = (arg: string): string => (arg.startsWith('retrain:') ? arg : `retrain:${arg}`);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
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

  apiCommand(program, 'show <run>', 'show one run: stage, job link, progress, metrics, timings, delivery').action(
    async (run: string, options: ApiOptions) => {
      output(options.json, await api(options).run(runId(run)), formatRun);
    },
  );

  apiCommand(
    program,
    'watch <run>',
    'follow a run: its stage and a progress bar, until it ends (exit 0 if it succeeded)',
  )
    .option('-i, --interval <seconds>', 'seconds between checks', positiveInt, 2)
    .action(async (run: string, options: ApiOptions & { interval: number }) => {
      const final = await watchRun(api(options), runId(run), { interval: options.interval, quiet: options.json });
      output(options.json, final, formatRun);
      if (final.status !== 'succeeded') process.exitCode = 1;
    });

  apiCommand(
    program,
    'trigger <pipeline>',
    "train the current head of the pipeline's dataset now (needs ADMIN_TOKEN)",
  ).action(async (pipeline: string, options: ApiOptions) => {
    const answer = await api(options).trigger(pipeline);
    output(
      options.json,
      answer,
      (a) => `${a.pipeline}: ${a.message}\nFollow it with: hub-retrain runs --pipeline ${a.pipeline}`,
    );
  });

  for (const action of ['approve', 'reject'] as const) {
    apiCommand(program, `${action} <run>`, `${action} a run that waits for approval (needs ADMIN_TOKEN)`)
      .option('--by <name>', 'who decides (default: your user name)', defaultUser())
      .option('--comment <text>', 'a comment kept with the decision')
      .action(async (run: string, options: ApiOptions & { by?: string; comment?: string }) => {
        const answer = await api(options).decide(runId(run), action, { by: options.by, comment: options.comment });
        output(options.json, answer, (a) => `${a.workflowId}: ${a.message}`);
      });
  }

  apiCommand(program, 'cancel <run>', 'cancel a running run: its training job is stopped (needs ADMIN_TOKEN)').action(
    async (run: string, options: ApiOptions) => {
      const answer = await api(options).cancel(runId(run));
      output(options.json, answer, (a) => `${a.workflowId}: ${a.message}`);
    },
  );

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
