import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** Keys that may carry a credential anywhere in a log object; pino replaces their values. */
const REDACT = [
  'secret',
  'token',
  'authorization',
  'hfToken',
  'webhookSecret',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.hfToken',
  '*.webhookSecret',
  'headers["x-webhook-secret"]',
  '*.headers["x-webhook-secret"]',
  '*.headers.authorization',
];

/**
 * `pretty`: readable lines for a person at a terminal; `json`: one JSON object per line, for machines.
 * LOG_FORMAT chooses; unset, a terminal gets `pretty` and anything else (a pipe, a file, a container) `json`.
 */
export type LogFormat = 'pretty' | 'json';

export function logFormatFor(explicit: LogFormat | undefined, isTTY = process.stdout.isTTY === true): LogFormat {
  return explicit ?? (isTTY ? 'pretty' : 'json');
}

export interface LoggerOptions {
  level: string;
  name?: string;
  format?: LogFormat;
  /**
   * Pretty only: show at info level only what a person follows (log objects with an `event`: a run's stage
   * changes, its promotion verdict, a recorded update), plus every warning and error. Used when LOG_LEVEL is
   * not set; set LOG_LEVEL=info to see every info line.
   */
  quiet?: boolean;
  destination?: DestinationStream;
}

/** Log keys a person does not need in the terminal (they stay in JSON logs). */
const PRETTY_HIDDEN = [
  'pid',
  'hostname',
  'name',
  'component',
  'sdkComponent',
  'taskQueue',
  'namespace',
  'runId',
  'workflowRunId',
  'workflowType',
  'workflowId',
  'activityId',
  'attempt',
  'isLocal',
  'event',
];

const WARN = 40;

export function createLogger(level: string, name?: string, destination?: DestinationStream): Logger;
export function createLogger(options: LoggerOptions): Logger;
export function createLogger(
  levelOrOptions: string | LoggerOptions,
  name = 'hub-retrain',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions =
    typeof levelOrOptions === 'string' ? { level: levelOrOptions, name, destination } : levelOrOptions;
  const base = {
    name: options.name ?? 'hub-retrain',
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (options.format !== 'pretty') return pino(base, options.destination);
  return pino(base, prettyDestination(options.quiet === true, options.destination));
}

/** Formats pino's JSON lines for a terminal (in this process, synchronously), dropping chatter when quiet. */
function prettyDestination(quiet: boolean, out?: DestinationStream): DestinationStream {
  const format = prettyFactory({
    colorize: out === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: PRETTY_HIDDEN.join(','),
    singleLine: true,
    messageFormat: (log, messageKey) => {
      const id = typeof log.workflowId === 'string' ? `${log.workflowId}: ` : '';
      const message = log[messageKey];
      return `${id}${typeof message === 'string' ? message : JSON.stringify(message ?? '')}`;
    },
  });
  const target = out ?? { write: (line: string) => void process.stdout.write(line) };
  return {
    write(line: string): void {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        target.write(line);
        return;
      }
      if (entry.event !== undefined) {
        // A run event reads as one sentence: the run, then what happened.
        const { time, level, msg, workflowId } = entry;
        entry = { time, level, msg, workflowId };
      } else if (quiet && Number(entry.level) < WARN) return;
      target.write(format(entry));
    },
  };
}

export type { Logger };
