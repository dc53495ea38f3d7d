/**
 * The CLI's client of the receiver's HTTP API (/api/openapi.json). Turns the receiver's answers into
 * errors a person can act on: not reachable, token missing or wrong, unknown run or pipeline.
 */
import { z } from 'zod';
import { envSchema } from '../config/env';
import { flattenIssues } from '../config/format-issues';
import { ConfigError } from '../config/load-config';
import { HttpError, NetworkError } from '../http/http-error';
import { requestJson, type RequestOptions } from '../http/request-json';
import type {
  ActionResponse,
  PipelineView,
  RunDetailView,
  RunStatus,
  RunSummaryView,
  TriggerResponse,
} from '../server/api/api-schemas';
import type { ApprovalDecision } from '../workflows/definitions';
import type { RollbackAccepted, RollbackView, ServingView } from '../server/api/serving-schemas';
import { readReceiverFile } from '../server/receiver-file';
import { CliError } from './cli-error';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The variables the API commands read (nothing else, so an unrelated bad variable does not stop them). */
const cliEnvSchema = envSchema.pick({ PORT: true, ADMIN_TOKEN: true, RETRAIN_STATE_DIR: true }).extend({
  HUB_RETRAIN_URL: z.preprocess(blankToUndefined, z.url({ message: 'expected the receiver URL' }).optional()),
});

export interface ApiSettings {
  url: string;
  adminToken?: string;
}

/**
 * `--url`, else HUB_RETRAIN_URL, else http://localhost:$PORT when PORT is set, else the receiver that runs from
 * this folder (RETRAIN_STATE_DIR/receiver.json, whatever PORT it was started with), else http://localhost:7860.
 * ADMIN_TOKEN for the write commands.
 */
export function apiSettings(urlOption: string | undefined, source: NodeJS.ProcessEnv = process.env): ApiSettings {
  const parsed = cliEnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError('environment', flattenIssues(parsed.error));
  const env = parsed.data;
  const portSet = blankToUndefined(source.PORT) !== undefined;
  const recorded = portSet ? undefined : readReceiverFile(env.RETRAIN_STATE_DIR)?.url;
  const url = (urlOption ?? env.HUB_RETRAIN_URL ?? recorded ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new CliError(`--url must be an http(s) URL, got "${url}"`);
  return { url, adminToken: env.ADMIN_TOKEN };
}

const TIMEOUT_MS = 15_000;

export class ReceiverApi {
  constructor(
    private readonly settings: ApiSettings,
    private readonly fetchImpl?: typeof fetch,
  ) {}

  get url(): string {
    return this.settings.url;
  }

  async pipelines(): Promise<PipelineView[]> {
    return (await this.get<{ pipelines: PipelineView[] }>('/api/pipelines')).pipelines;
  }

  async runs(filter: {
    pipeline?: string;
    status?: RunStatus;
    revision?: string;
    limit?: number;
  }): Promise<RunSummaryView[]> {
    const query = {
      pipeline: filter.pipeline,
      status: filter.status,
      revision: filter.revision,
      limit: filter.limit === undefined ? undefined : String(filter.limit),
    };
    return (await this.get<{ runs: RunSummaryView[] }>('/api/runs', query)).runs;
  }

  run(workflowId: string): Promise<RunDetailView> {
    return this.get<RunDetailView>(`/api/runs/${encodeURIComponent(workflowId)}`);
  }

  trigger(pipeline: string): Promise<TriggerResponse> {
    return this.write<TriggerResponse>(`/api/pipelines/${encodeURIComponent(pipeline)}/trigger`);
  }

  cancel(workflowId: string): Promise<ActionResponse> {
    return this.write<ActionResponse>(`/api/runs/${encodeURIComponent(workflowId)}/cancel`);
  }

  decide(workflowId: string, action: 'approve' | 'reject', decision: ApprovalDecision): Promise<ActionResponse> {
    return this.write<ActionResponse>(`/api/runs/${encodeURIComponent(workflowId)}/${action}`, decision);
  }

  rollback(pipeline: string, request: { to?: string; by?: string }): Promise<RollbackAccepted> {
    return this.write<RollbackAccepted>(`/api/pipelines/${encodeURIComponent(pipeline)}/rollback`, request);
  }

  rollbackState(workflowId: string): Promise<RollbackView> {
    return this.get<RollbackView>(`/api/rollbacks/${encodeURIComponent(workflowId)}`);
  }

  serving(pipeline: string): Promise<ServingView> {
    return this.get<ServingView>(`/api/pipelines/${encodeURIComponent(pipeline)}/serving`);
  }

  private async get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>(path, { query });
  }

  private async write<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>(path, { method: 'POST', body, token: this.settings.adminToken });
  }

  private async request<T>(path: string, options: RequestOptions): Promise<T> {
    try {
      const res = await requestJson<T>(`${this.settings.url}${path}`, {
        ...options,
        timeoutMs: TIMEOUT_MS,
        fetch: this.fetchImpl,
      });
      return res.body;
    } catch (err) {
      throw explain(err, this.settings);
    }
  }
}

/** The receiver's answer (or silence) as a message that says what to do. */
export function explain(err: unknown, settings: ApiSettings): Error {
  if (err instanceof NetworkError) {
    return new CliError(
      `the receiver at ${settings.url} is not reachable (${err.message.replace(/^.*failed: /, '')}). ` +
        'Is it running (npm start)? Point the CLI at it with --url or HUB_RETRAIN_URL (or run the CLI from the ' +
        'folder it was started in, or with the same PORT).',
    );
  }
  if (err instanceof HttpError) {
    switch (err.status) {
      case 401:
        return new CliError(
          settings.adminToken
            ? `the receiver did not accept the request: ${err.detail}`
            : "this command needs the admin token: set ADMIN_TOKEN to the receiver's ADMIN_TOKEN",
        );
      case 403:
        return new CliError(`the receiver refused: ${err.detail}`);
      case 503:
        return new CliError(`the receiver cannot reach Temporal right now: ${err.detail}`);
      default:
        return new CliError(err.status < 500 ? err.detail : `the receiver answered ${err.status}: ${err.detail}`);
    }
  }
  return err instanceof Error ? err : new Error(String(err));
}
