import { requestJson } from '../../http/request-json';

/** The body of `POST /api/create_project` on an AutoTrain Advanced server (spec/autotrain.md). */
export interface CreateProjectRequest {
  project_name: string;
  task: string;
  base_model: string;
  hardware: string;
  params: Record<string, string | number | boolean>;
  username: string;
  column_mapping?: Record<string, string>;
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

/** HTTP calls to an AutoTrain Advanced API (`autotrain app` or the public Space), nothing else. */
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

  async logs(jobId: string): Promise<string> {
    const res = await requestJson<{ logs?: string }>(`${this.apiUrl}/api/logs`, {
      method: 'POST',
      token: this.token,
      body: { jid: jobId },
      fetch: this.fetchImpl,
    });
    return res.body.logs ?? '';
  }

  /** The body form the server accepts (the bundled Python client's path form does not match the route). */
  async stopTraining(jobId: string): Promise<void> {
    await requestJson(`${this.apiUrl}/api/stop_training`, {
      method: 'POST',
      token: this.token,
      body: { jid: jobId },
      fetch: this.fetchImpl,
    });
  }
}
