/**
 * The Inference Endpoints API calls a deploy makes (huggingface_hub `hf_api.py` `get_inference_endpoint` and
 * `update_inference_endpoint`: `GET`/`PUT {api}/endpoint/{namespace}/{name}`, the update's body
 * `{"model": {"repository", "revision"}}`), and what an endpoint's answer says (`_inference_endpoints.py`
 * `_populate_from_raw`: `model.repository`, `model.revision`, `status.state`, `status.url`, `healthRoute`).
 */
import { z } from 'zod';
import { PermanentBackendError } from '../errors';
import { HttpError, MalformedResponseError } from '../http/http-error';
import { requestJson } from '../http/request-json';
import { DeployRefused } from './deploy-refused';

/** `InferenceEndpointStatus` (huggingface_hub `_inference_endpoints.py`). */
export const ENDPOINT_STATES = [
  'pending',
  'initializing',
  'updating',
  'updateFailed',
  'running',
  'paused',
  'failed',
  'scaledToZero',
] as const;

const endpointSchema = z.object({
  name: z.string(),
  model: z.object({ repository: z.string(), revision: z.string().nullish() }),
  status: z.object({
    state: z.string(),
    url: z.string().nullish(),
    message: z.string().nullish(),
  }),
  healthRoute: z.string().nullish(),
});

export interface EndpointInfo {
  name: string;
  repository: string;
  revision?: string;
  state: string;
  url?: string;
  message?: string;
}

export interface EndpointClientOptions {
  apiUrl: string;
  namespace: string;
  name: string;
  token: string;
  fetch?: typeof fetch;
}

export class EndpointClient {
  constructor(private readonly options: EndpointClientOptions) {}

  get id(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  private url(): string {
    return `${this.options.apiUrl.replace(/\/+$/, '')}/endpoint/${this.options.namespace}/${this.options.name}`;
  }

  async get(): Promise<EndpointInfo> {
    return this.call('GET');
  }

  /** Points the endpoint at a repo and exact revision; the endpoint then goes through `updating`. */
  async update(repository: string, revision: string): Promise<EndpointInfo> {
    return this.call('PUT', { model: { repository, revision } });
  }

  private async call(method: 'GET' | 'PUT', body?: unknown): Promise<EndpointInfo> {
    try {
      const res = await requestJson(this.url(), { method, body, token: this.options.token, fetch: this.options.fetch });
      return parseEndpoint(method, this.url(), res.body);
    } catch (err) {
      // An update the API refuses changed nothing (the endpoint serves what it served): a DeployRefused.
      throw explain(err, this.id, method === 'PUT' ? DeployRefused : PermanentBackendError);
    }
  }
}

function parseEndpoint(method: string, url: string, body: unknown): EndpointInfo {
  const parsed = endpointSchema.safeParse(body);
  if (!parsed.success) throw new MalformedResponseError(method, url, 'not an Inference Endpoint');
  const { name, model, status } = parsed.data;
  return {
    name,
    repository: model.repository,
    revision: model.revision ?? undefined,
    state: status.state,
    url: status.url ?? undefined,
    message: status.message ?? undefined,
  };
}

/** A refusal retrying cannot fix, said in the words of what to do about it. */
function explain(err: unknown, id: string, Refusal: typeof PermanentBackendError): unknown {
  if (!(err instanceof HttpError) || err.retryable) return err;
  if (err.status === 404)
    return new Refusal(
      `there is no Inference Endpoint ${id} (404): create it first, or fix deploy.name / deploy.namespace`,
    );
  if (err.status === 401 || err.status === 403) {
    return new Refusal(
      `the token may not change the Inference Endpoint ${id} (${err.status}): it needs write access to ${id.split('/')[0]}`,
    );
  }
  return new Refusal(`the Inference Endpoints API refused: ${err.message}`);
}
