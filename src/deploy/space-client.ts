/**
 * The Space calls a deploy makes (huggingface_hub `hf_api.py`): `add_space_variable` (`POST
 * /api/spaces/{id}/variables` with `{key, value, description}`), `get_space_variables` (`GET` the same path:
 * `{key: {value, updatedAt, description}}`), `delete_space_variable` (`DELETE` the same path with `{key}`), `restart_space` (`POST /api/spaces/{id}/restart`) and
 * `get_space_runtime` (`GET /api/spaces/{id}/runtime`: `{stage, errorMessage}`).
 */
import { PermanentBackendError } from '../errors';
import { HttpError } from '../http/http-error';
import { requestJson, type RequestOptions } from '../http/request-json';
import { DeployRefused } from './deploy-refused';

export interface SpaceClientOptions {
  hubEndpoint: string;
  space: string;
  token: string;
  fetch?: typeof fetch;
}

export class SpaceClient {
  constructor(private readonly options: SpaceClientOptions) {}

  /** The deploy's first change: refused, it changed nothing (a DeployRefused). */
  async setVariable(key: string, value: string, description: string): Promise<void> {
    await this.call('variables', { method: 'POST', body: { key, value, description } }, DeployRefused);
  }

  /** A roll-back to a Space that had no such variable before the deploy. */
  async deleteVariable(key: string): Promise<void> {
    await this.call('variables', { method: 'DELETE', body: { key } });
  }

  async variable(key: string): Promise<string | undefined> {
    const vars = await this.call<Record<string, { value?: string }>>('variables');
    return vars[key]?.value;
  }

  async restart(): Promise<void> {
    await this.call('restart', { method: 'POST' });
  }

  async runtime(): Promise<{ stage: string; errorMessage?: string }> {
    return this.call('runtime');
  }

  private async call<T>(
    path: string,
    options: RequestOptions = {},
    Refusal: typeof PermanentBackendError = PermanentBackendError,
  ): Promise<T> {
    const { hubEndpoint, space, token } = this.options;
    try {
      const res = await requestJson<T>(`${hubEndpoint}/api/spaces/${space}/${path}`, {
        ...options,
        token,
        fetch: this.options.fetch,
      });
      return res.body;
    } catch (err) {
      if (!(err instanceof HttpError) || err.retryable) throw err;
      if (err.status === 404 || err.status === 401) {
        throw new Refusal(`there is no Space ${space} this token can see (${err.status}): fix deploy.space`);
      }
      if (err.status === 403) {
        throw new Refusal(`the token may not change the Space ${space} (403): it needs write access to it`);
      }
      throw new Refusal(`the Hub refused: ${err.message}`);
    }
  }
}
