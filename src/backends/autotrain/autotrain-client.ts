import { HttpError } from '../../http/http-error';
import { requestJson } from '../../http/request-json';

/** The body of `POST /api/create_project` on an AutoTrain Advanced server (spec/autotrain.md). */
export interface CreateProjectRequest {
  project_name: string;
  task: string;
  base_model: string;
  hardware: string;
  params: Record<string, string | number | boolean>;
  username: string;
  column_mapping?: Record<string, string | string[]>;
  hub_dataset: string;
  train_split: string;
  valid_split?: string;
}

export interface CreateProjectResponse {
  message: string;
  /** `<username>/autotrain-<project_name>`: the training Space. */
  job_id: string;
  success: boolean;
}

/**
 * HTTP calls to an AutoTrain Advanced API (`autotrain app` or the public Space), nothing else. A training is
 * stopped through the Hub (pause the Space), not with stop_training: see AutotrainBackend.cancel.
 */
export class AutotrainClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly fetchImpl?: typeof fetch,
  ) {}

  async version(): Promise<string> {
    const res = await requestJson<{ version: string }>(`${this.apiUrl}/api/version`, {
      token: this.token,
      fetch: this.fetchImpl,
    });
    return res.body.version;
  }

  async createProject(body: CreateProjectRequest): Promise<CreateProjectResponse> {
    const res = await requestJson<CreateProjectResponse>(`${this.apiUrl}/api/create_project`, {
      method: 'POST',
      token: this.token,
      body,
      timeoutMs: 120_000,
      fetch: this.fetchImpl,
    });
    return res.body;
  }

  /**
   * The training Space's log. AutoTrain versions serve one of two route forms (api_routes.py): `POST /api/logs`
   * with `{"jid"}`, or `GET /api/logs?job_id=`; the other form is a 404/405 (or a 422 for a missing field).
   */
  async logs(jobId: string): Promise<string> {
    try {
      const res = await requestJson<{ logs?: string }>(`${this.apiUrl}/api/logs`, {
        method: 'POST',
        token: this.token,
        body: { jid: jobId },
        fetch: this.fetchImpl,
      });
      return res.body.logs ?? '';
    } catch (err) {
      if (!(err instanceof HttpError && [404, 405, 422].includes(err.status))) throw err;
      const res = await requestJson<{ logs?: string }>(`${this.apiUrl}/api/logs`, {
        token: this.token,
        query: { job_id: jobId },
        fetch: this.fetchImpl,
      });
      return res.body.logs ?? '';
    }
  }
}
