/**
 * A fake Inference Endpoints API (huggingface_hub `constants.py` INFERENCE_ENDPOINTS_ENDPOINT, `hf_api.py`
 * `get_inference_endpoint` / `update_inference_endpoint`, `_inference_endpoints.py`) and the endpoints' own
 * inference URLs, on one HTTP server. Each rule names the reference it follows. Models and tokens are the fake
 * Hub's: an endpoint serves a model repo of the fake Hub at a revision, and answers with that revision's
 * `config.json` labels unless a test scripts otherwise.
 */
import express, { type Request, type Response } from 'express';
import type { FakeHub } from './fake-hub';
import { hubError } from './hub-error';
import { TimedFake } from './listen';

/** `InferenceEndpointStatus` (huggingface_hub `_inference_endpoints.py`). */
export type EndpointState =
  'pending' | 'initializing' | 'updating' | 'updateFailed' | 'running' | 'paused' | 'failed' | 'scaledToZero';

export interface FakeEndpoint {
  namespace: string;
  name: string;
  repository: string;
  revision: string;
  state: EndpointState;
  /** min replica 0: idle, it scales to zero, and the first request wakes it (503 until it runs). */
  scaleToZero: boolean;
}

/** How a served model revision answers its inference requests (scripted by tests). */
export interface ModelBehaviour {
  /** Answer this label (whatever the model's labels are). */
  answer?: string;
  /** Answer every request with this status. */
  status?: number;
  /** The update to this revision ends in `updateFailed` (huggingface_hub `wait()` raises on it). */
  updateFails?: boolean;
  /** Answer only after this long (a model that hangs). */
  delayMs?: number;
}

export class FakeEndpoints extends TimedFake {
  private readonly endpoints = new Map<string, FakeEndpoint>();
  /** Tokens that may read but not change endpoints (a fine-grained token without write access). */
  readonly readOnlyTokens = new Set<string>();
  readonly behaviours = new Map<string, ModelBehaviour>();
  /** How a revision without a behaviour of its own answers (default: well). */
  defaultBehaviour: ModelBehaviour = {};
  /** Every update request, in order: `{endpoint, repository, revision}` as sent. */
  readonly updates: Array<{ endpoint: string; repository?: string; revision?: string }> = [];
  /** Inference requests each endpoint answered, by model revision. */
  readonly inferences: Array<{ endpoint: string; revision: string; status: number }> = [];
  /** How long an update takes (`updating` -> `running`), and waking from zero. */
  updateMs = 300;

  constructor(private readonly hub: FakeHub) {
    super();
  }

  addEndpoint(endpoint: Omit<FakeEndpoint, 'state' | 'scaleToZero'> & Partial<FakeEndpoint>): FakeEndpoint {
    const e: FakeEndpoint = { state: 'running', scaleToZero: false, ...endpoint };
    this.endpoints.set(`${e.namespace}/${e.name}`, e);
    return e;
  }

  get(id: string): FakeEndpoint | undefined {
    return this.endpoints.get(id);
  }

  private view(e: FakeEndpoint) {
    // huggingface_hub `_inference_endpoints.py` `_populate_from_raw`: the fields it reads.
    return {
      name: e.name,
      type: 'protected',
      model: { repository: e.repository, revision: e.revision, framework: 'pytorch', task: 'text-classification' },
      status: {
        state: e.state,
        url:
          e.state === 'running' || e.state === 'scaledToZero' ? `${this.url}/inference/${e.namespace}/${e.name}` : null,
        createdAt: new Date(0).toISOString(),
        updatedAt: new Date().toISOString(),
        message: e.state === 'updateFailed' ? 'the model could not be loaded' : null,
      },
      healthRoute: '/health',
    };
  }

  /** The model repo's labels at a revision (its `config.json` `id2label`), read from the fake Hub. */
  private labelsOf(repository: string, revision: string): string[] {
    const config = this.hub.repos.file('model', repository, 'config.json', revision);
    const parsed = config ? (JSON.parse(config.toString()) as { id2label?: Record<string, string> }) : {};
    return Object.values(parsed.id2label ?? { 0: 'LABEL_0' });
  }

  protected app(): express.Express {
    const app = express();
    app.use(express.json());
    // Every route needs a token the Hub knows (huggingface_hub `hf_api.py` sends the token on every
    // `*_inference_endpoint` call; a protected endpoint's URL needs one too).
    app.use((req, res, next) => {
      const token = bearer(req);
      if (!token || !this.hub.knowsToken(token))
        return hubError(res, 401, 'Invalid credentials in Authorization header');
      next();
    });

    const find = (req: Request, res: Response): FakeEndpoint | undefined => {
      const id = `${String(req.params.namespace)}/${String(req.params.name)}`;
      const e = this.endpoints.get(id);
      // Another namespace's endpoint is not found for this caller (`hf_api.py` `get_inference_endpoint`: 404).
      const user = this.hub.userOf(req);
      const member =
        user && (user.name === req.params.namespace || (user.orgs ?? []).includes(String(req.params.namespace)));
      if (!e || !member) {
        hubError(res, 404, `Endpoint ${id} not found`);
        return undefined;
      }
      return e;
    };

    app.get('/endpoint/:namespace/:name', (req, res) => {
      const e = find(req, res);
      if (e) res.json(this.view(e));
    });

    // huggingface_hub `hf_api.py` `update_inference_endpoint`: PUT with the parts to change (`model.repository`,
    // `model.revision`); the answer is the endpoint, which then goes through `updating`.
    app.put('/endpoint/:namespace/:name', (req, res) => {
      const e = find(req, res);
      if (!e) return;
      const model = (req.body as { model?: { repository?: unknown; revision?: unknown } }).model ?? {};
      this.updates.push({
        endpoint: `${e.namespace}/${e.name}`,
        repository: str(model.repository),
        revision: str(model.revision),
      });
      if (this.readOnlyTokens.has(bearer(req)!)) {
        return hubError(res, 403, 'This token does not have write access to this namespace');
      }
      const repository = str(model.repository) ?? e.repository;
      const revision = str(model.revision) ?? 'main';
      // A model the Hub does not have, or a revision it does not know, is refused: nothing changes (`hf_api.py`
      // `update_inference_endpoint` raises the API's 4xx; its exact status for this case is assumed, not documented).
      if (!this.hub.repos.has('model', repository)) return hubError(res, 400, `Model ${repository} not found`);
      if (revision !== 'main' && !this.revisionExists(repository, revision)) {
        return hubError(res, 400, `Revision ${revision} not found in ${repository}`);
      }
      e.repository = repository;
      e.revision = revision;
      // A paused endpoint takes the change and stays paused (`resume` starts it: `hf_api.py` `resume_inference_endpoint`).
      if (e.state !== 'paused') {
        e.state = 'updating';
        this.timers.later(this.updateMs, () => {
          if (e.revision !== revision) return; // overtaken by a newer update
          e.state = this.behaviourOf(revision).updateFails
            ? 'updateFailed'
            : e.scaleToZero
              ? 'scaledToZero'
              : 'running';
        });
      }
      res.json(this.view(e));
    });

    app.post('/inference/:namespace/:name', async (req, res) => {
      const e = this.endpoints.get(`${String(req.params.namespace)}/${String(req.params.name)}`);
      if (!e) return hubError(res, 404, 'Not Found');
      const answered = (status: number) =>
        this.inferences.push({ endpoint: `${e.namespace}/${e.name}`, revision: e.revision, status });
      // Scaled to zero: the first request wakes it and is answered 503 until a replica runs (`_inference_endpoints.py`
      // `InferenceEndpointStatus.SCALED_TO_ZERO`; Endpoints docs, guides/autoscaling "Scale to Zero": the proxy answers 503
      // while the new replica starts).
      if (e.state === 'scaledToZero') {
        e.state = 'initializing';
        this.timers.later(this.updateMs, () => (e.state = 'running'));
      }
      if (e.state !== 'running') {
        answered(503);
        return hubError(res, 503, `Service Unavailable: the endpoint is ${e.state}`);
      }
      const behaviour = this.behaviourOf(e.revision);
      if (behaviour.status) {
        answered(behaviour.status);
        return hubError(res, behaviour.status, 'the model failed to answer');
      }
      const inputs = (req.body as { inputs?: unknown }).inputs;
      if (typeof inputs !== 'string' || inputs === '') {
        answered(400);
        return hubError(res, 400, 'inputs must be a non-empty string');
      }
      const labels = this.labelsOf(e.repository, e.revision);
      const top = behaviour.answer ?? labels[inputs.length % labels.length]!;
      if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
      if (res.destroyed) return answered(0);
      answered(200);
      // The text-classification answer: a list of {label, score}, best first (huggingface_hub
      // `inference/_client.py` `text_classification` reads this shape).
      res.json([
        { label: top, score: 0.9 },
        ...labels.filter((l) => l !== top).map((label) => ({ label, score: 0.1 / labels.length })),
      ]);
    });
    return app;
  }

  private behaviourOf(revision: string): ModelBehaviour {
    return this.behaviours.get(revision) ?? this.defaultBehaviour;
  }

  private revisionExists(repository: string, revision: string): boolean {
    return this.hub.repos.get('model', repository)?.commits.some((c) => c.sha === revision) ?? false;
  }
}

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
