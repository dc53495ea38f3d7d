/**
 * The Hugging Face Jobs calls (spec/hf-jobs.md) on the Hub at HF_ENDPOINT: @huggingface/hub's runJob and getJob,
 * through hubFetch so 429/5xx become retryable HttpErrors with Retry-After. Hand-written where the library falls
 * short: listing with `label`/`stage` filters and Link pagination (its listJobs has neither), cancel (its cancelJob
 * parses the answer as a job), and the log tail (job-logs.ts). Every answer is checked here; the stage stays a string.
 */
import { getJob, HubApiError, runJob, type SpaceHardwareFlavor } from '@huggingface/hub';
import { z } from 'zod';
import { HttpError, MalformedResponseError, safeUrl } from '../../http/http-error';
import { requestJson, withQuery, type JsonResponse } from '../../http/request-json';
import { jobsHardwareSchema } from '../../budget/hardware-prices';
import { hubFetch } from '../../hub/hub-fetch';
import { readLogTail } from './job-logs';
import type { JobRequest } from './job-request';

const jobSchema = z.object({
  id: z.string().min(1),
  createdAt: z.string().optional(),
  startedAt: z.string().nullish(),
  finishedAt: z.string().nullish(),
  /** What the service counted (huggingface_hub `_jobs_api.py` reads none of it; spec/hf-jobs.md lists it). */
  durations: z.object({ runningSecs: z.number().nonnegative().nullish() }).nullish(),
  status: z.object({ stage: z.string(), message: z.string().nullish() }),
  owner: z.object({ name: z.string() }).optional(),
  labels: z.record(z.string(), z.string()).nullish(),
});
export type JobInfo = z.output<typeof jobSchema>;

const MAX_LIST_PAGES = 50;

export class JobsClient {
  private readonly fetch: typeof fetch;

  constructor(
    private readonly endpoint: string,
    private readonly token: string,
    fetchImpl?: typeof fetch,
    /** Per request (default 30 s). */
    private readonly timeoutMs?: number,
  ) {
    this.fetch = hubFetch(fetchImpl, timeoutMs);
  }

  async run(namespace: string, request: JobRequest): Promise<JobInfo> {
    const job: unknown = await runJob({
      namespace,
      ...request,
      // The library's flavor type lags the service (no h200, l40sx1 ...); the config validated the name.
      flavor: request.flavor as SpaceHardwareFlavor,
      ...this.common(),
    });
    return parseJob(job, 'POST', this.jobsUrl(namespace));
  }

  /** The job, or undefined when the service no longer knows it. */
  async get(namespace: string, jobId: string): Promise<JobInfo | undefined> {
    try {
      const job: unknown = await getJob({ namespace, jobId, ...this.common() });
      return parseJob(job, 'GET', this.jobsUrl(namespace, jobId));
    } catch (err) {
      if (err instanceof HubApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Jobs of a namespace carrying all of `labels` (and in one of `stages`, if given), newest first. */
  async list(namespace: string, filter: { labels: Record<string, string>; stages?: string[] }): Promise<JobInfo[]> {
    const labels = Object.entries(filter.labels);
    let url: string | undefined = withQuery(this.jobsUrl(namespace), {
      label: labels.map(([k, v]) => `${k}=${v}`),
      stage: filter.stages,
    });
    const jobs: JobInfo[] = [];
    for (let page = 0; url && page < MAX_LIST_PAGES; page++) {
      const res: JsonResponse<unknown> = await requestJson(url, {
        token: this.token,
        timeoutMs: this.timeoutMs,
        fetch: this.fetch,
      });
      if (!Array.isArray(res.body)) throw new MalformedResponseError('GET', safeUrl(url), 'expected a JSON array');
      jobs.push(...res.body.map((job: unknown) => parseJob(job, 'GET', url!)));
      url = nextLink(res.headers.get('link'));
    }
    // Filter here too: a service that ignored a filter must not make us adopt another run's job.
    return jobs
      .filter((job) => labels.every(([k, v]) => job.labels?.[k] === v))
      .filter((job) => !filter.stages || filter.stages.includes(job.status.stage))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  /**
   * Asks Jobs to cancel a job. The answer's body is not read (huggingface_hub `hf_api.py` `cancel_job` reads
   * none, and what it holds is not documented): whether the job stopped is for `get` to tell.
   */
  async cancel(namespace: string, jobId: string): Promise<void> {
    const url = `${this.jobsUrl(namespace, jobId)}/cancel`;
    const res = await this.fetch(url, { method: 'POST', headers: { authorization: `Bearer ${this.token}` } });
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new HttpError('POST', safeUrl(url), res.status, text.slice(0, 300), undefined);
  }

  /** The flavors and their prices (`GET /api/jobs/hardware`, huggingface_hub `hf_api.py` `list_jobs_hardware`). */
  async hardware(): Promise<z.output<typeof jobsHardwareSchema>> {
    const url = `${this.endpoint}/api/jobs/hardware`;
    const res = await requestJson(url, { token: this.token, timeoutMs: this.timeoutMs, fetch: this.fetch });
    const parsed = jobsHardwareSchema.safeParse(res.body);
    if (!parsed.success) throw new MalformedResponseError('GET', safeUrl(url), 'not a list of Jobs hardware');
    return parsed.data;
  }

  /** The last `lines` lines the job printed (the start banner left out). */
  async logTail(namespace: string, jobId: string, lines: number): Promise<string[]> {
    return readLogTail(`${this.jobsUrl(namespace, jobId)}/logs`, this.token, { lines, fetch: this.fetch });
  }

  /** The job's page on the Hub: `<endpoint>/jobs/<owner>/<id>`. */
  jobPage(owner: string, jobId: string): string {
    return `${this.endpoint}/jobs/${owner}/${jobId}`;
  }

  private jobsUrl(namespace: string, jobId?: string): string {
    return `${this.endpoint}/api/jobs/${encodeURIComponent(namespace)}${jobId ? `/${encodeURIComponent(jobId)}` : ''}`;
  }

  private common() {
    return { hubUrl: this.endpoint, accessToken: this.token, fetch: this.fetch };
  }
}

function parseJob(value: unknown, method: string, url: string): JobInfo {
  const parsed = jobSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new MalformedResponseError(method, safeUrl(url), `not a job: ${issue?.path.join('.')} ${issue?.message}`);
}

/** `Link: <url>; rel="next"`. */
function nextLink(header: string | null): string | undefined {
  return header ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(header)?.[1] : undefined;
}
