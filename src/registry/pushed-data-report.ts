/**
 * `data-report.json` beside a model that AutoTrain or a Jobs run pushed to the Hub itself: the worker checked the
 * revision (src/activities/data-checks.ts) and wrote the report into the run's registry folder; this commits it to
 * the model repo, as publishing does for a local model. A report already there with the same text is not
 * committed again (a retried activity makes no second commit).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadFile, uploadFiles } from '@huggingface/hub';
import { DATA_REPORT_FILE } from '../datasets/data-report';
import { hubFetch } from '../hub/hub-fetch';

export interface PushDataReportOptions {
  hubUrl: string;
  token: string;
  /** `owner/name` of the model repo the backend pushed to. */
  repo: string;
  /** The run's registry folder, where the data checks wrote the report. */
  folder: string;
  commitTitle: string;
  /** The commit the report goes on top of (the model measured); the Hub refuses the commit when main moved on. */
  parentCommit?: string;
  fetch?: typeof fetch;
}

/** What happened: the commit made, or why none was. */
export type PushedDataReport = { commit?: string } | { skipped: string };

export async function pushDataReport(options: PushDataReportOptions): Promise<PushedDataReport> {
  const text = await readFile(join(options.folder, DATA_REPORT_FILE), 'utf8').catch(() => undefined);
  if (text === undefined)
    return { skipped: `no ${DATA_REPORT_FILE} in ${options.folder} (checked on another worker?)` };
  const common = { accessToken: options.token, hubUrl: options.hubUrl, fetch: hubFetch(options.fetch) };
  const repo = { type: 'model' as const, name: options.repo };
  // downloadFile answers null for a file the repo does not have (huggingface.js lib/download-file.ts).
  const there = await downloadFile({ ...common, repo, path: DATA_REPORT_FILE });
  if (there && (await there.text()) === text) return { skipped: `the same ${DATA_REPORT_FILE} is already there` };
  const output = await uploadFiles({
    ...common,
    repo,
    files: [{ path: DATA_REPORT_FILE, content: new Blob([text]) }],
    commitTitle: options.commitTitle,
    ...(options.parentCommit ? { parentCommit: options.parentCommit } : {}),
    useXet: false,
  });
  return { commit: output?.commit.oid };
}
