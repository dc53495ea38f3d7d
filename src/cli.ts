#!/usr/bin/env node
/** `hub-retrain <command>`: run the service or parts of it, and control a running one. */
import { Command } from 'commander';
import { registerApiCommands } from './cli/api-commands';
import { CliError } from './cli/cli-error';
import { registerHistoryCommands } from './cli/history-commands';
import { registerHubWebhookCommands } from './cli/hub-webhook-commands';
import { codecApp } from './temporal/codec-server';
import { payloadCodecs } from './temporal/payload-codec';
import { loadEnv, type Env } from './config/env';
import { ConfigError, loadConfigFile } from './config/load-config';
import type { PipelineSpec } from './config/config-schema';
import { HttpError, MissingCredentialsError, NetworkError } from './http/http-error';
import { PortInUseError } from './http/port-check';
import { createLogger, logFormatFor, type Logger } from './logging';
import { runAll, runServer, runWorker, StartAborted, type Service, type StartOptions } from './main';
import { DevServerError } from './temporal/dev-server';
import { runDemo } from './cli/demo';
import { formatReport, runDoctor } from './cli/doctor';
import { output, print, printError, printJson } from './cli/format';
import { predictWithCurrentModel } from './cli/predict-command';

function loadSettings(needConfig: boolean): { env: Env; pipelines: PipelineSpec[]; logger: Logger } {
  const env = loadEnv();
  const pipelines = needConfig ? loadConfigFile(env.RETRAIN_CONFIG) : [];
  const logger = createLogger({
    level: env.LOG_LEVEL ?? 'info',
    format: logFormatFor(env.LOG_FORMAT),
    quiet: env.LOG_LEVEL === undefined,
  });
  return { env, pipelines, logger };
}

let serving = false;

/**
 * Runs a long-lived service until SIGINT/SIGTERM/SIGHUP, then stops it gracefully. A signal that arrives while
 * it starts stops what has started; a second signal stops at once (the exit handlers still end the children).
 */
async function serve(start: (options: StartOptions) => Promise<Service>): Promise<void> {
  serving = true;
  const aborter = new AbortController();
  let service: Service | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      printError(`\n${signal} again: stopping now`);
      process.exit(1);
    }
    printError(`\n${signal}: shutting down`);
    aborter.abort();
    service?.stop().catch(() => process.exit(1));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  try {
    service = await start({ signal: aborter.signal });
  } catch (err) {
    // Stopped while starting: what had started is stopped; end here rather than wait on the SDK's runtime.
    if (err instanceof StartAborted) process.exit(0);
    throw err;
  }
  if (aborter.signal.aborted) await service.stop();
  await service.done;
}

// `hub-retrain predict ... | head -1`: the reader went away; that is the end of the output, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (!serving) process.exit(process.exitCode ?? 0);
});

const program = new Command()
  .name('hub-retrain')
  .description('Retrain a model automatically, durably and exactly once whenever a dataset changes.');

program
  .command('start', { isDefault: true })
  .alias('all')
  .description(
    'run everything: the embedded Temporal dev server (unless TEMPORAL_ADDRESS is set), the worker and the receiver',
  )
  .action(async () => {
    const { env, pipelines, logger } = loadSettings(true);
    await serve((options) => runAll(env, pipelines, logger, options));
  });

program
  .command('worker')
  .description('run the worker alone (TEMPORAL_ADDRESS, default localhost:7233)')
  .action(async () => {
    const { env, logger } = loadSettings(false);
    await serve(() => runWorker(env, logger));
  });

program
  .command('server')
  .description('run the webhook receiver alone (TEMPORAL_ADDRESS, default localhost:7233)')
  .action(async () => {
    const { env, pipelines, logger } = loadSettings(true);
    await serve(() => runServer(env, pipelines, logger));
  });

program
  .command('check-config')
  .description('validate config.json and the environment, print the pipelines, and exit')
  .action(() => {
    const { pipelines } = loadSettings(true);
    for (const p of pipelines)
      print(`${p.name}: ${p.input_dataset} -> ${p.backend.type} (${p.task}, ${p.input_model})`);
  });

program
  .command('predict <pipeline> <input>')
  .description("classify a text (or an image path; - reads standard input) with a local pipeline's promoted model")
  .option('--json', 'print JSON')
  .action(async (name: string, input: string, options: { json?: boolean }) => {
    const { env, pipelines } = loadSettings(true);
    const result = await predictWithCurrentModel(env.RETRAIN_MODELS_DIR, pipelines, name, input);
    if (options.json) return printJson(result, 0);
    output(false, result, (r) =>
      [
        r.label,
        ...Object.entries(r.scores)
          .sort((a, b) => b[1] - a[1])
          .map(([label, score]) => `  ${label.padEnd(16)} ${score.toFixed(3)}`),
      ].join('\n'),
    );
  });

program
  .command('demo')
  .description('deliver a signed webhook for the example pipeline to the running service and follow the run')
  .option('--pipeline <name>', 'which pipeline (default: the first with a local dataset)')
  .option('--url <url>', 'the receiver (default http://localhost:$PORT)')
  .action(async (options: { pipeline?: string; url?: string }) => {
    const { env, pipelines } = loadSettings(true);
    process.exitCode = await runDemo({ env, pipelines, pipeline: options.pipeline, url: options.url });
  });

registerApiCommands(program);
registerHubWebhookCommands(program);
registerHistoryCommands(program);

program
  .command('codec-server')
  .description('serve the payload codec (RETRAIN_PAYLOAD_KEY) on localhost for the Temporal Web UI to decode payloads')
  .option('--port <port>', 'port to listen on (localhost only)', (v) => Number(v), 8888)
  .option('--origin <url...>', 'Web UI origins allowed to call it', ['http://localhost:8233', 'http://localhost:8080'])
  .action(async (options: { port: number; origin: string[] }) => {
    const env = loadEnv();
    const [codec] = payloadCodecs(env.RETRAIN_PAYLOAD_KEY);
    if (!codec) throw new CliError('set RETRAIN_PAYLOAD_KEY: the codec server decodes with it');
    const server = codecApp(codec, options.origin).listen(options.port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    print(`codec server on http://127.0.0.1:${options.port} (set it as the Codec Server endpoint in the Web UI)`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    server.close();
  });

program
  .command('doctor')
  .description('check the configuration, the Hub token, Temporal and the backends; exit 1 if something is wrong')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const report = await runDoctor();
    output(options.json, report, (r) => formatReport(r).trimEnd());
    process.exitCode = report.ok ? 0 : 1;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    printError(err.message);
    process.exit(2);
  }
  // Failures the user can act on: the message alone, no stack.
  if (err instanceof PortInUseError || err instanceof DevServerError) {
    printError(`hub-retrain: ${err.message}`);
    process.exit(1);
  }
  if (
    err instanceof CliError ||
    err instanceof HttpError ||
    err instanceof NetworkError ||
    err instanceof MissingCredentialsError
  ) {
    printError(`hub-retrain: ${err.message}`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  }
  printError(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
