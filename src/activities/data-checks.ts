/**
 * The checkData activity: the data checks of the revision a run is about to train, on this worker, where its
 * files are (the same local snapshot or Hub snapshot the local backend trains and AutoTrain stages; Jobs
 * pipelines download the revision here once too). The checks run in the trainers' `check-data` command
 * (trainers/check/), streaming, against the revision the model in service was trained on when there is one;
 * the pipeline's `data_checks` turn what they found into pass, warn or fail. The report is written beside the
 * model (`<models>/<pipeline>/<revision>/data-report.json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context, log } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { lastJsonLine, runTrainerCommand, trainersCommand } from '../backends/trainer-process';
import type { RunContext } from '../backends/types';
import { DATA_CHECK_NAMES, policyOf } from '../config/data-checks';
import type { PipelineSpec } from '../config/config-schema';
import { DATA_REPORT_FILE, judge, type DataFinding, type DataReport } from '../datasets/data-report';
import { revisionFiles, type RevisionFilesDeps } from '../datasets/revision-files';
import { fetchAbortedBy } from '../http/abortable-fetch';
import { readJson } from '../json-files';
import type { ModelRegistry } from '../registry/model-registry';

export type DataCheckDeps = RevisionFilesDeps & { registry: ModelRegistry };

const CHECKED_TASKS = ['text-classification', 'image-classification'];
/** The whole check of one revision (the heartbeat shows it is alive meanwhile). */
const CHECK_TIMEOUT_MS = 30 * 60_000;
const HEARTBEAT_MS = 10_000;

/** What `check-data` prints (the fields the service reads). */
interface CheckerAnswer {
  checks: DataFinding[];
  columns?: DataReport['columns'];
  rows?: Record<string, number>;
  labels?: Record<string, number>;
  previous?: DataReport['previous'];
}

export function createDataCheckActivities(deps: DataCheckDeps) {
  return {
    async checkData(run: RunContext): Promise<DataReport> {
      const { pipeline, revision } = run;
      const base = {
        pipeline: pipeline.name,
        dataset: pipeline.input_dataset,
        revision,
        checkedAt: new Date().toISOString(),
      };
      if (!CHECKED_TASKS.includes(pipeline.task)) {
        return {
          ...base,
          checks: [],
          skipped: `the data checks know ${CHECKED_TASKS.join(' and ')}, not ${pipeline.task}`,
        };
      }
      // Downloads and a long check alike: the heartbeat says the worker is alive, and brings a cancellation, which
      // aborts the downloads and the checker where they are.
      const heartbeat = setInterval(() => Context.current().heartbeat(), HEARTBEAT_MS);
      const signal = Context.current().cancellationSignal;
      const fetching = { ...deps, fetch: fetchAbortedBy(signal, deps.fetch) };
      let answer: CheckerAnswer & { error?: string };
      let previous: Awaited<ReturnType<typeof previousRevision>>;
      try {
        // A revision that cannot be fetched fails here as addData would (retried while the Hub may recover).
        const dir = await revisionFiles(pipeline, revision, fetching);
        previous = await previousRevision(pipeline, revision, fetching, signal);
        const options = { task: pipeline.task, ...checkerColumns(pipeline), ...previous.options };
        answer = await runChecker(dir, options, signal);
      } catch (err) {
        // An aborted download surfaces as a network error: the run was cancelled, not the Hub unreachable.
        if (signal.aborted) throw new CancelledFailure(`the data checks were cancelled (${String(signal.reason)})`);
        throw err;
      } finally {
        clearInterval(heartbeat);
      }
      const findings = new Map(answer.checks.map((f) => [f.check, f]));
      const report: DataReport = {
        ...base,
        checks: DATA_CHECK_NAMES.map((check) =>
          judge(
            findings.get(check) ?? { check, count: 0, examples: [], detail: '', error: answer.error ?? 'not reported' },
            policyOf(pipeline.data_checks, check),
          ),
        ),
        ...(answer.columns ? { columns: answer.columns } : {}),
        ...(answer.rows ? { rows: answer.rows } : {}),
        ...(answer.labels ? { labels: answer.labels } : {}),
        ...(previous.revision ? { previousRevision: previous.revision } : {}),
        ...(answer.previous ? { previous: answer.previous } : {}),
      };
      const folder = deps.registry.runDir(pipeline.name, revision);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, DATA_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
      const found = report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.check}: ${c.status}`);
      log.info('data checked', { event: 'data-checks', found: found.join(', ') || 'all pass' });
      return report;
    },
  };
}

/** The checker's answer; a checker that crashed or timed out is every check's error (each then by its policy). */
async function runChecker(
  dir: string,
  options: object,
  signal: AbortSignal,
): Promise<CheckerAnswer & { error?: string }> {
  try {
    const argv = [...trainersCommand('check-data'), dir, '--options', JSON.stringify(options)];
    const stdout = await runTrainerCommand(argv, { what: 'the data checks', timeoutMs: CHECK_TIMEOUT_MS, signal });
    const answer = lastJsonLine(stdout) as CheckerAnswer | undefined;
    if (!answer || !Array.isArray(answer.checks)) return { checks: [], error: `the data checks printed no answer` };
    return answer;
  } catch (err) {
    if (signal.aborted) throw err; // cancelled: not a finding
    const error = `the data checks could not run: ${(err as Error).message}`;
    log.warn(error);
    return { checks: [], error };
  }
}

/** The columns and the length limit the pipeline's trainer uses, as `check-data` options. */
function checkerColumns(pipeline: PipelineSpec): Record<string, unknown> {
  const backend = pipeline.backend;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const out: Record<string, unknown> = {};
  // The transformers trainer's RETRAIN_PARAMS: the local backend's params, or the env a Jobs pipeline gives its job.
  const params = backend.type === 'local' ? backend.params : backend.type === 'hf-jobs' ? jobParams(backend.env) : {};
  if (backend.type === 'local' || backend.type === 'hf-jobs') {
    const { text_column, image_column, label_column, max_length } = params;
    const texts = Array.isArray(text_column) ? text_column.filter((t) => typeof t === 'string') : text(text_column);
    Object.assign(out, { text_column: texts, image_column: text(image_column), label_column: text(label_column) });
    const limit = typeof max_length === 'number' || typeof max_length === 'string' ? Number(max_length) : NaN;
    if (Number.isInteger(limit) && limit > 0) out.max_length = limit;
    // The baseline reads every text whole (TF-IDF): nothing is truncated, so there is no length to check.
    if (backend.type === 'local' && backend.trainer === 'baseline') out.max_length = null;
  } else if (backend.type === 'autotrain') {
    const mapping = backend.column_mapping ?? {};
    const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    Object.assign(out, {
      text_column: first(mapping.text_column),
      image_column: first(mapping.image_column),
      label_column: first(mapping.target_column),
    });
    // AutoTrain's text classification truncates at max_seq_length, 128 unless the params say otherwise.
    const limit = Number(backend.params.max_seq_length ?? 128);
    if (Number.isInteger(limit) && limit > 0) out.max_length = limit;
  }
  out.min_rows_per_class = pipeline.data_checks?.min_rows_per_class ?? 5;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length)));
}

/** A Jobs pipeline's `env.RETRAIN_PARAMS` as an object (check-config refuses one that is not, for our trainer). */
function jobParams(env: Record<string, string>): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(env.RETRAIN_PARAMS ?? '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * The revision the model in service was trained on, its files (when they can still be had) and the labels it
 * knows (from its own data report). Files that cannot be had are the `changes` check's error (`previous_error`).
 */
async function previousRevision(
  pipeline: PipelineSpec,
  revision: string,
  deps: DataCheckDeps,
  signal: AbortSignal,
): Promise<{ revision?: string; options: Record<string, unknown> }> {
  const current = deps.registry.current(pipeline.name);
  if (!current || current.revision === revision) return { options: {} };
  const options: Record<string, unknown> = {};
  const report = readJson<Partial<DataReport>>(
    join(deps.registry.runDir(pipeline.name, current.revision), DATA_REPORT_FILE),
  );
  if (report?.labels) options.known_labels = Object.keys(report.labels);
  try {
    options.previous = { dir: await revisionFiles(pipeline, current.revision, deps), revision: current.revision };
  } catch (err) {
    if (signal.aborted) throw err;
    // Not a silent pass: `changes` (and `vanished_labels` without known labels) report it, each by its policy.
    options.previous_error =
      `the revision the model in service was trained on (${current.revision.slice(0, 7)}) could not be fetched: ` +
      (err as Error).message;
    log.info('the revision of the model in service is not available to compare with', {
      previous: current.revision,
      error: (err as Error).message,
    });
  }
  return { revision: current.revision, options };
}
