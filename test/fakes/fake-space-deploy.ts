/**
 * The Hub's Space routes a deploy to a Space uses, as an extension of the fake Hub (huggingface_hub `hf_api.py`):
 * `add_space_variable` / `get_space_variables` (`/api/spaces/{id}/variables`), `restart_space`
 * (`/api/spaces/{id}/restart`), and a Space app that answers `{"inputs"}` at its smoke URL with the model revision
 * its variable names. Each rule names its reference.
 */
import express from 'express';
import type { FakeHub } from './fake-hub';
import { hubError } from './hub-error';
import { Timers } from './listen';

type SpaceVariable = { value: string; description?: string; updatedAt: string };
type SpaceVariables = Map<string, SpaceVariable>;

export class FakeSpaceDeploy {
  private readonly variables = new Map<string, SpaceVariables>();
  private readonly timers = new Timers();
  readonly restarts: string[] = [];
  /** Tokens that may read but not change Spaces. */
  readonly readOnlyTokens = new Set<string>();
  /** Whether the Space's app fails to start with this model revision (its runtime then ends in RUNTIME_ERROR). */
  crashes: (revision: string | undefined) => boolean = () => false;
  restartMs = 300;

  constructor(private readonly hub: FakeHub) {
    hub.extend(this.router());
  }

  variable(space: string, key: string): string | undefined {
    return this.variables.get(space)?.get(key)?.value;
  }

  stop(): void {
    this.timers.clear();
  }

  private router(): express.Router {
    const router = express.Router();
    const spaceOf = (req: express.Request, res: express.Response, write: boolean): string | undefined => {
      const id = `${String(req.params.owner)}/${String(req.params.name)}`;
      const user = this.hub.userOf(req);
      if (!user) {
        hubError(res, 401, 'Invalid credentials in Authorization header');
        return undefined;
      }
      // Missing: 404 RepoNotFound, as `hf_api.py` documents for the Space calls.
      if (!this.hub.hasSpace(id)) {
        hubError(res, 404, 'Repository not found', 'RepoNotFound');
        return undefined;
      }
      const member = user.name === req.params.owner || (user.orgs ?? []).includes(String(req.params.owner));
      const token = req.headers.authorization!.slice(7);
      if (write && (!member || this.readOnlyTokens.has(token))) {
        hubError(res, 403, 'You do not have write access to this Space');
        return undefined;
      }
      return id;
    };

    // huggingface_hub `hf_api.py` `get_space_variables`: `{key: {value, updatedAt, description}}`.
    router.get('/api/spaces/:owner/:name/variables', (req, res) => {
      const id = spaceOf(req, res, true);
      if (!id) return;
      res.json(Object.fromEntries(this.variables.get(id) ?? []));
    });

    // huggingface_hub `hf_api.py` `add_space_variable`: `{key, value, description?}`; answers every variable.
    router.post('/api/spaces/:owner/:name/variables', (req, res) => {
      const id = spaceOf(req, res, true);
      if (!id) return;
      const { key, value, description } = req.body as { key?: unknown; value?: unknown; description?: unknown };
      if (typeof key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || typeof value !== 'string') {
        return hubError(res, 400, 'key must be a variable name and value a string');
      }
      const vars: SpaceVariables = this.variables.get(id) ?? new Map<string, SpaceVariable>();
      vars.set(key, {
        value,
        description: typeof description === 'string' ? description : undefined,
        updatedAt: new Date().toISOString(),
      });
      this.variables.set(id, vars);
      res.json(Object.fromEntries(vars));
    });

    // `delete_space_variable` (huggingface_hub `hf_api.py`): `DELETE /api/spaces/{id}/variables` with `{key}`;
    // answers the variables left.
    router.delete('/api/spaces/:owner/:name/variables', (req, res) => {
      const id = spaceOf(req, res, true);
      if (!id) return;
      const { key } = (req.body ?? {}) as { key?: unknown };
      if (typeof key !== 'string') return hubError(res, 400, 'key must be a variable name');
      const vars: SpaceVariables = this.variables.get(id) ?? new Map<string, SpaceVariable>();
      vars.delete(key);
      this.variables.set(id, vars);
      res.json(Object.fromEntries(vars));
    });

    // huggingface_hub `hf_api.py` `restart_space`: answers the runtime (`_space_api.py` `SpaceRuntime`), which is
    // building until the app runs again.
    router.post('/api/spaces/:owner/:name/restart', (req, res) => {
      const id = spaceOf(req, res, true);
      if (!id) return;
      this.restarts.push(id);
      this.hub.setSpaceStage(id, 'BUILDING');
      const crashes = this.crashes(this.variable(id, 'MODEL_REVISION'));
      this.timers.later(this.restartMs, () =>
        this.hub.setSpaceStage(id, crashes ? 'RUNTIME_ERROR' : 'RUNNING', crashes ? 'the app exited' : undefined),
      );
      res.json({ stage: 'BUILDING', hardware: { current: null, requested: 'cpu-basic' } });
    });

    // The Space's own app (not a Hub API: what a Space that serves the model answers at its smoke URL), here at
    // `/space-app/{owner}/{name}/predict`: `{"inputs"}` -> `[{label, score}]` while it runs, 503 otherwise.
    router.post('/space-app/:owner/:name/predict', (req, res) => {
      const id = `${String(req.params.owner)}/${String(req.params.name)}`;
      if (this.hub.spaceStage(id) !== 'RUNNING') return hubError(res, 503, 'the Space is not running');
      const inputs = (req.body as { inputs?: unknown }).inputs;
      if (typeof inputs !== 'string') return hubError(res, 400, 'inputs must be a string');
      res.json([{ label: 'LABEL_0', score: 0.9, revision: this.variable(id, 'MODEL_REVISION') }]);
    });
    return router;
  }

  /** The smoke URL of a Space's app on this fake Hub. */
  appUrl(space: string): string {
    return `${this.hub.url}/space-app/${space}/predict`;
  }
}
