/**
 * A fake Hugging Face Hub: a real HTTP server that answers the routes in ../shared/spec/hf-hub-api.md the
 * way the Hub does (status codes, error headers, field names), with scriptable faults. It shares no code
 * with src/: it follows the spec, so the same client code works against the real Hub.
 */
import { createHash, randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { FaultPlan } from './faults';
import { listen, type Listening } from './listen';
import { hubError } from './hub-error';
import { RepoStore, randomSha, type FileContent, type FileRepoKind } from './fake-repos';

export { hubError } from './hub-error';
export { randomSha } from './fake-repos';

export interface FakeUser {
  name: string;
  type?: 'user' | 'org';
  orgs?: string[];
  /**
   * False for a fine-grained token that may write to existing repos but not create them: the Hub answers 403
   * (huggingface_hub `hf_api.py` `create_repo(exist_ok=True)` names 401/402/403 as "the repo may exist").
   */
  canCreateRepos?: boolean;
}

export interface FakeDiscussion {
  num: number;
  title: string;
  description: string;
  status: 'open' | 'closed' | 'merged' | 'draft';
  isPullRequest: boolean;
  author: string;
  createdAt: string;
  comments: string[];
}

/** A webhook in a user's settings, as `/api/settings/webhooks` answers it. */
export interface FakeWebhook {
  id: string;
  url: string;
  watched: Array<{ type: string; name: string }>;
  domains: string[];
  secret: string | null;
  disabled: boolean;
}

interface FakeSpace {
  id: string;
  stage: string;
  errorMessage?: string;
  hardware: string;
  private: boolean;
}

/** The Hub's rate limit (hub-docs `rate-limits.md`): a fixed window per token, 429 + Retry-After + RateLimit. */
export interface FakeRateLimit {
  limit: number;
  windowSeconds: number;
}

/** A 1x1 PNG: what the default dataset's images are (a valid image for every decoder). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** What a new repo holds on the Hub: one commit with a `.gitattributes`. */
export const NEW_REPO_FILES = { '.gitattributes': '*.parquet filter=lfs diff=lfs merge=lfs -text\n' };

/** One webhook delivery the fake Hub made (what the webhook's Activity tab lists). */
export interface WebhookDelivery {
  webhookId: string;
  url: string;
  payload: Record<string, unknown>;
  /** The receiver's answer, once it came; `error` when it never did. */
  status?: number;
  error?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  authorized: boolean;
  body: unknown;
}

type RepoKind = 'model' | 'dataset' | 'space';
const KINDS: Record<string, RepoKind> = { models: 'model', datasets: 'dataset', spaces: 'space' };
const PAGE_SIZE = 50;
const WATCH_TYPES = new Set(['dataset', 'model', 'space', 'user', 'org']);
/** huggingface_hub's docstrings say "discussion", its type alias "discussions": accept both. */
const WEBHOOK_DOMAINS = new Set(['repo', 'discussion', 'discussions']);

export class FakeHub {
  readonly faults = new FaultPlan();
  readonly requests: RecordedRequest[] = [];
  /** Model and dataset repos with their files and commits (served by resolve, tree, paths-info, info). */
  readonly repos = new RepoStore();
  private readonly tokens = new Map<string, FakeUser>();
  private readonly spaces = new Map<string, FakeSpace>();
  private readonly discussions = new Map<string, FakeDiscussion[]>();
  private readonly extensions: express.Router[] = [];
  /** Webhooks by owner (the token's user name). */
  private readonly webhooks = new Map<string, FakeWebhook[]>();
  /** Every delivery of a webhook, in the order they were sent. */
  readonly webhookDeliveries: WebhookDelivery[] = [];
  /** Every pause request, by Space id (whatever its answer). */
  readonly pauseCalls: string[] = [];
  /** Spaces whose pause the Hub answers 200 without pausing them (a stop that does not take). */
  readonly pausesIgnored = new Set<string>();
  /** When set, each token (or anonymous caller) gets `limit` requests per window, then 429. */
  rateLimit?: FakeRateLimit;
  private readonly windows = new Map<string, { start: number; count: number }>();
  private server?: Listening;
  url = '';

  addToken(token: string, user: FakeUser): this {
    if (!token.startsWith('hf_')) throw new Error('Hub tokens start with hf_');
    this.tokens.set(token, user);
    return this;
  }

  knowsToken(token: string): boolean {
    return this.tokens.has(token);
  }

  /** Routes of another Hub service (e.g. Jobs) served at this Hub's URL; call before start(). */
  extend(router: express.Router): this {
    if (this.server) throw new Error('extend the fake Hub before start()');
    this.extensions.push(router);
    return this;
  }

  /**
   * A dataset repo. By default it holds what an image-classification dataset pushed as folders holds (the
   * `datasets` imagefolder layout: `train/<label>/<image>`, read as columns `image` and `label`).
   */
  addDataset(
    id: string,
    options: { private?: boolean; commits?: string[]; files?: Record<string, FileContent> } = {},
  ): this {
    const files = options.files ?? {
      'README.md': `# ${id}\n`,
      'train/cat/0.png': TINY_PNG,
      'train/cat/1.png': TINY_PNG,
      'train/dog/0.png': TINY_PNG,
      'train/dog/1.png': TINY_PNG,
    };
    this.repos.create('dataset', id, { ...options, files });
    return this;
  }

  /** A new commit on main (files unchanged); returns its sha. */
  pushCommit(id: string, sha = randomSha()): string {
    if (!this.repos.has('dataset', id)) throw new Error(`no dataset ${id}`);
    return this.repos.commit('dataset', id, {}, { sha, title: 'Update dataset' });
  }

  head(id: string): string {
    return this.repos.head('dataset', id).sha;
  }

  /** Commits one file to a model or dataset repo (created if missing); returns the commit sha. */
  putFile(kind: FileRepoKind, id: string, path: string, content: FileContent): string {
    return this.repos.commit(kind, id, { [path]: content });
  }

  /** Commits several files at once, as `push_to_hub` does; returns the commit sha. */
  commitFiles(kind: FileRepoKind, id: string, files: Record<string, FileContent>, title?: string): string {
    return this.repos.commit(kind, id, files, { title });
  }

  /** A Space; a private one is visible to its namespace's members only (AutoTrain makes its Spaces private). */
  createSpace(id: string, stage = 'BUILDING', hardware = 'cpu-basic', options: { private?: boolean } = {}): void {
    this.spaces.set(id, { id, stage, hardware, private: options.private ?? false });
  }

  deleteSpace(id: string): void {
    this.spaces.delete(id);
  }

  setSpaceStage(id: string, stage: string, errorMessage?: string): void {
    const space = this.spaces.get(id);
    if (!space) throw new Error(`no space ${id}`);
    space.stage = stage;
    space.errorMessage = errorMessage;
  }

  spaceStage(id: string): string | undefined {
    return this.spaces.get(id)?.stage;
  }

  hasSpace(id: string): boolean {
    return this.spaces.has(id);
  }

  addModel(id: string): void {
    if (!this.repos.has('model', id)) this.repos.create('model', id, { files: { 'README.md': `# ${id}\n` } });
  }

  hasModel(id: string): boolean {
    return this.repos.has('model', id);
  }

  discussionsOf(kind: RepoKind, id: string): FakeDiscussion[] {
    return this.discussions.get(`${kind}:${id}`) ?? [];
  }

  /** Opens a discussion as a given author (what AutoTrain's Space does when it finishes). */
  openDiscussion(kind: RepoKind, id: string, title: string, description: string, author = 'autotrain'): FakeDiscussion {
    const key = `${kind}:${id}`;
    const list = this.discussions.get(key) ?? [];
    const discussion: FakeDiscussion = {
      num: list.length + 1,
      title,
      description,
      status: 'open',
      isPullRequest: false,
      author,
      createdAt: new Date().toISOString(),
      comments: [],
    };
    list.push(discussion);
    this.discussions.set(key, list);
    this.deliverDiscussion(kind, id, discussion);
    return discussion;
  }

  /**
   * What the Hub sends its webhooks when a discussion is opened (hub-docs `webhooks.md`: scope "discussion",
   * action "create", with the discussion and its first comment; no `headSha` on community events): to every
   * enabled webhook with the discussion domain that watches the repo itself or its owner (a user or an
   * organisation). A private repo's events go only to webhooks of members of its namespace. Sent in the
   * background with the webhook's secret, each answer kept in webhookDeliveries.
   */
  private deliverDiscussion(kind: RepoKind, id: string, d: FakeDiscussion): void {
    const [owner] = id.split('/') as [string];
    const isPrivate = kind === 'space' ? this.spaces.get(id)?.private : this.repos.get(kind, id)?.private;
    const hex = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 24);
    const web = `${this.url}/${kind === 'model' ? '' : `${kind}s/`}${id}`;
    const api = `${this.url}/api/${kind}s/${id}`;
    for (const [user, hooks] of this.webhooks) {
      const member =
        user === owner || [...this.tokens.values()].some((u) => u.name === user && u.orgs?.includes(owner));
      if (isPrivate && !member) continue;
      for (const hook of hooks) {
        if (hook.disabled || !hook.domains.some((domain) => domain === 'discussion' || domain === 'discussions'))
          continue;
        const watches = hook.watched.some(
          (w) => (w.type === kind && w.name === id) || ((w.type === 'user' || w.type === 'org') && w.name === owner),
        );
        if (!watches) continue;
        const payload = {
          event: { action: 'create', scope: 'discussion' },
          repo: {
            type: kind,
            name: id,
            id: hex(id),
            private: isPrivate ?? false,
            url: { web, api },
            owner: { id: hex(owner) },
          },
          discussion: {
            id: hex(`${id}#${d.num}`),
            num: d.num,
            title: d.title,
            url: { web: `${web}/discussions/${d.num}`, api: `${api}/discussions/${d.num}` },
            status: d.status,
            author: { id: hex(d.author) },
            isPullRequest: d.isPullRequest,
          },
          comment: {
            id: hex(`${id}#${d.num}#0`),
            author: { id: hex(d.author) },
            content: d.description,
            hidden: false,
            url: { web: `${web}/discussions/${d.num}#${hex(`${id}#${d.num}#0`)}` },
          },
          webhook: { id: hook.id, version: 3 },
        };
        const delivery: WebhookDelivery = { webhookId: hook.id, url: hook.url, payload };
        this.webhookDeliveries.push(delivery);
        void fetch(hook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(hook.secret ? { 'x-webhook-secret': hook.secret } : {}) },
          body: JSON.stringify(payload),
        }).then(
          async (res) => {
            delivery.status = res.status;
            await res.text().catch(() => undefined);
          },
          (err: Error) => (delivery.error = err.message),
        );
      }
    }
  }

  /** The Hub's fixed-window rate limit, when one is set. */
  private limitRate(req: Request, res: Response, next: NextFunction): void {
    if (!this.rateLimit) return next();
    const { limit, windowSeconds } = this.rateLimit;
    const key = req.headers.authorization ?? 'anonymous';
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= windowSeconds * 1000) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const reset = Math.max(1, Math.ceil((window.start + windowSeconds * 1000 - now) / 1000));
    res.setHeader('RateLimit', `"api";r=${Math.max(0, limit - window.count)};t=${reset}`);
    res.setHeader('RateLimit-Policy', `"fixed window";"api";q=${limit};w=${windowSeconds}`);
    if (window.count <= limit) return next();
    res.setHeader('Retry-After', String(reset));
    hubError(res, 429, 'You have exceeded our rate limit. Please retry later.');
  }

  webhooksOf(user: string): FakeWebhook[] {
    return this.webhooks.get(user) ?? [];
  }

  /** A webhook in a user's settings, as if made there (the settings API makes them the same way). */
  addWebhook(user: string, webhook: Omit<FakeWebhook, 'id' | 'disabled'> & { disabled?: boolean }): FakeWebhook {
    const made: FakeWebhook = { id: randomBytes(12).toString('hex'), disabled: false, ...webhook };
    this.webhooks.set(user, [...this.webhooksOf(user), made]);
    return made;
  }

  async start(): Promise<this> {
    this.server = await listen(this.app());
    this.url = this.server.url;
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  /** The user a request's bearer token belongs to (for extensions that check it). */
  userOf(req: Request): FakeUser | undefined {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return undefined;
    return this.tokens.get(header.slice('Bearer '.length));
  }

  /** Whether the caller acts for the namespace (as the user or a member of the organisation). */
  private member(user: FakeUser | undefined, namespace: string): boolean {
    return user !== undefined && (user.name === namespace || (user.orgs ?? []).includes(namespace));
  }

  /** A Space the caller may see: public, or private to a namespace the caller acts for. */
  private visibleSpace(req: Request): FakeSpace | undefined {
    const space = this.spaces.get(`${String(req.params.owner)}/${String(req.params.name)}`);
    return space && (!space.private || this.member(this.userOf(req), String(req.params.owner))) ? space : undefined;
  }

  private repoExists(kind: RepoKind, id: string): boolean {
    return kind === 'space' ? this.spaces.has(id) : this.repos.has(kind, id);
  }

  /**
   * The webhook settings API (docs/hub-webhooks-api.md): list, get, create, update, enable, disable, delete.
   * Every route needs a token; a webhook belongs to the token's user and others' webhooks are 404.
   */
  private webhookRoutes(app: express.Express): void {
    const view = (w: FakeWebhook) => ({ ...w, job: null });
    const owned = (req: Request, res: Response): { user: FakeUser; list: FakeWebhook[] } | undefined => {
      const user = this.userOf(req);
      if (!user) {
        hubError(res, 401, 'Invalid credentials in Authorization header');
        return undefined;
      }
      return { user, list: this.webhooks.get(user.name) ?? [] };
    };
    const find = (req: Request, res: Response): { list: FakeWebhook[]; webhook: FakeWebhook } | undefined => {
      const mine = owned(req, res);
      if (!mine) return undefined;
      const webhook = mine.list.find((w) => w.id === req.params.id);
      if (!webhook) {
        hubError(res, 404, 'Webhook not found');
        return undefined;
      }
      return { list: mine.list, webhook };
    };
    const invalid = (body: Record<string, unknown>, partial: boolean): string | undefined => {
      const { watched, url, domains, secret } = body;
      if (!(partial && watched === undefined)) {
        if (!Array.isArray(watched) || watched.length === 0) return 'watched must be a non-empty array';
        for (const item of watched as Array<Record<string, unknown>>) {
          if (!WATCH_TYPES.has(String(item?.type)) || typeof item?.name !== 'string' || item.name === '') {
            return 'each watched item needs a type (dataset, model, space, user, org) and a name';
          }
        }
      }
      if (!(partial && url == null)) {
        if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)) return 'url must be an http(s) URL';
      }
      if (domains != null) {
        if (!Array.isArray(domains) || domains.some((d) => !WEBHOOK_DOMAINS.has(String(d)))) {
          return 'domains must be a list of "repo" and "discussion"';
        }
      }
      if (secret != null && typeof secret !== 'string') return 'secret must be a string';
      return undefined;
    };

    app.get('/api/settings/webhooks', (req, res) => {
      const mine = owned(req, res);
      if (mine) res.json(mine.list.map(view));
    });
    app.get('/api/settings/webhooks/:id', (req, res) => {
      const found = find(req, res);
      if (found) res.json({ webhook: view(found.webhook) });
    });
    app.post('/api/settings/webhooks', (req, res) => {
      const mine = owned(req, res);
      if (!mine) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const problem = invalid(body, false);
      if (problem) return hubError(res, 400, problem);
      const webhook: FakeWebhook = {
        id: randomBytes(12).toString('hex'),
        url: body.url as string,
        watched: (body.watched as Array<{ type: string; name: string }>).map(({ type, name }) => ({ type, name })),
        domains: (body.domains as string[] | null | undefined) ?? ['repo', 'discussion'],
        secret: typeof body.secret === 'string' ? body.secret : null,
        disabled: false,
      };
      this.webhooks.set(mine.user.name, [...mine.list, webhook]);
      res.json({ webhook: view(webhook) });
    });
    app.post('/api/settings/webhooks/:id/:action', (req, res) => {
      const action = req.params.action;
      if (action !== 'enable' && action !== 'disable') return hubError(res, 404, 'Not found');
      const found = find(req, res);
      if (!found) return;
      found.webhook.disabled = action === 'disable';
      res.json({ webhook: view(found.webhook) });
    });
    app.post('/api/settings/webhooks/:id', (req, res) => {
      const found = find(req, res);
      if (!found) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const problem = invalid(body, true);
      if (problem) return hubError(res, 400, problem);
      const w = found.webhook;
      if (Array.isArray(body.watched) && body.watched.length > 0) w.watched = body.watched as FakeWebhook['watched'];
      if (typeof body.url === 'string') w.url = body.url;
      if (Array.isArray(body.domains)) w.domains = body.domains as string[];
      if (typeof body.secret === 'string') w.secret = body.secret;
      res.json({ webhook: view(w) });
    });
    app.delete('/api/settings/webhooks/:id', (req, res) => {
      const found = find(req, res);
      if (!found) return;
      found.list.splice(found.list.indexOf(found.webhook), 1);
      res.json({});
    });
  }

  private app(): express.Express {
    const app = express();
    app.use(express.json({ limit: '10mb' }));
    app.use((req, res, next) => {
      this.requests.push({
        method: req.method,
        path: req.path,
        query: { ...req.query },
        authorized: this.userOf(req) !== undefined,
        body: req.body as unknown,
      });
      next();
    });
    app.use(this.faults.middleware());
    // A token the Hub does not know is refused everywhere, whatever the route (never read as anonymous).
    app.use((req, res, next) => {
      const header = req.headers.authorization;
      if (header?.startsWith('Bearer ') && !this.userOf(req)) {
        return hubError(res, 401, 'Invalid credentials in Authorization header');
      }
      next();
    });
    app.use((req, res, next) => this.limitRate(req, res, next));

    app.get('/api/whoami-v2', (req, res) => {
      const user = this.userOf(req);
      if (!user) return hubError(res, 401, 'Invalid credentials in Authorization header');
      res.json({
        type: user.type ?? 'user',
        id: createHash('sha1').update(user.name).digest('hex').slice(0, 24),
        name: user.name,
        fullname: user.name,
        orgs: (user.orgs ?? []).map((name) => ({ name, type: 'org' })),
        auth: {
          type: 'access_token',
          accessToken: { displayName: 'test', role: 'write', createdAt: new Date(0).toISOString() },
        },
      });
    });

    app.get('/api/spaces/:owner/:name/runtime', (req, res) => {
      // Missing, or private to a namespace the caller does not act for: the same 401 (spec/hf-hub-api.md).
      const space = this.visibleSpace(req);
      if (!space) return hubError(res, 401, 'Repository not found', 'RepoNotFound');
      res.json({
        stage: space.stage,
        hardware: { current: space.stage === 'RUNNING' ? space.hardware : null, requested: space.hardware },
        ...(space.errorMessage ? { errorMessage: space.errorMessage } : {}),
      });
    });

    // huggingface_hub `hf_api.py` `pause_space`: 404 when the Space is not found, 403 unless the caller owns it;
    // the answer is the Space's runtime.
    app.post('/api/spaces/:owner/:name/pause', (req, res) => {
      this.pauseCalls.push(`${String(req.params.owner)}/${String(req.params.name)}`);
      const user = this.userOf(req);
      if (!user) return hubError(res, 401, 'Invalid credentials in Authorization header');
      const space = this.visibleSpace(req);
      if (!space) return hubError(res, 404, 'Repository not found', 'RepoNotFound');
      if (!this.member(user, String(req.params.owner))) {
        return hubError(res, 403, 'You are not allowed to pause this Space: only its owner can');
      }
      if (!this.pausesIgnored.has(space.id)) space.stage = 'PAUSED';
      res.json({ stage: space.stage, hardware: { current: null, requested: space.hardware } });
    });

    app.get('/api/:kind/:owner/:name/discussions', (req, res) => {
      const kind = KINDS[String(req.params.kind)];
      const id = `${req.params.owner}/${req.params.name}`;
      const hidden = kind === 'space' && !this.visibleSpace(req);
      // A deleted (or hidden) repo's discussions: 404 RepoNotFound.
      if (!kind || hidden || !this.repoExists(kind, id))
        return hubError(res, 404, 'Repository not found', 'RepoNotFound');
      const all = [...this.discussionsOf(kind, id)].reverse(); // newest first, as the Hub lists them
      const page = Number(req.query.p ?? 0) || 0;
      const start = page * PAGE_SIZE;
      res.json({
        discussions: all.slice(start, start + PAGE_SIZE).map((d) => ({
          num: d.num,
          title: d.title,
          status: d.status,
          isPullRequest: d.isPullRequest,
          createdAt: d.createdAt,
          author: { name: d.author },
          repo: { name: id, type: kind },
          numComments: d.comments.length,
          pinned: false,
        })),
        count: all.length,
        start,
        numClosedDiscussions: 0,
      });
    });

    app.post('/api/:kind/:owner/:name/discussions', (req, res) => {
      const user = this.userOf(req);
      if (!user) return hubError(res, 401, 'Invalid credentials in Authorization header');
      const kind = KINDS[String(req.params.kind)];
      const id = `${req.params.owner}/${req.params.name}`;
      if (!kind || !this.repoExists(kind, id)) return hubError(res, 404, 'Repository not found', 'RepoNotFound');
      const body = req.body as { title?: unknown; description?: unknown; pullRequest?: unknown };
      if (typeof body.title !== 'string' || body.title.trim().length < 3) {
        return hubError(res, 400, 'title must be a string of at least 3 characters');
      }
      const d = this.openDiscussion(
        kind,
        id,
        body.title,
        typeof body.description === 'string' ? body.description : '',
        user.name,
      );
      res.json({
        num: d.num,
        title: d.title,
        status: d.status,
        isPullRequest: false,
        url: `${this.url}/${kind}s/${id}/discussions/${d.num}`,
      });
    });

    app.post('/api/:kind/:owner/:name/discussions/:num/comment', (req, res) => {
      if (!this.userOf(req)) return hubError(res, 401, 'Invalid credentials in Authorization header');
      const kind = KINDS[String(req.params.kind)];
      const discussion =
        kind &&
        this.discussionsOf(kind, `${req.params.owner}/${req.params.name}`).find(
          (d) => d.num === Number(req.params.num),
        );
      if (!discussion) return hubError(res, 404, 'Discussion not found');
      const comment = (req.body as { comment?: unknown }).comment;
      if (typeof comment !== 'string' || comment === '') return hubError(res, 400, 'comment is required');
      discussion.comments.push(comment);
      res.json({ newMessage: { type: 'comment', data: { latest: { raw: comment } } } });
    });

    app.post('/api/repos/create', (req, res) => {
      const user = this.userOf(req);
      if (!user) return hubError(res, 401, 'Invalid credentials in Authorization header');
      const body = req.body as { name?: string; organization?: string; type?: string; private?: unknown };
      const { name, organization, type } = body;
      if (!name) return hubError(res, 400, 'name is required');
      const kind: RepoKind = type === 'dataset' || type === 'space' ? type : 'model';
      const namespace = organization ?? user.name;
      const id = `${namespace}/${name}`;
      if (user.canCreateRepos === false || !this.member(user, namespace)) {
        return hubError(res, 403, `You don't have the rights to create a ${kind} under the namespace "${namespace}"`);
      }
      if (this.repoExists(kind, id)) return hubError(res, 409, 'You already created this repo');
      const isPrivate = body.private === true || (req.body as { visibility?: unknown }).visibility === 'private';
      if (kind === 'space') this.createSpace(id, 'NO_APP_FILE', 'cpu-basic', { private: isPrivate });
      else this.repos.create(kind, id, { private: isPrivate, files: NEW_REPO_FILES });
      res.json({
        url: `${this.url}/${kind === 'model' ? '' : `${kind}s/`}${id}`,
        id: createHash('sha1').update(id).digest('hex').slice(0, 24),
      });
    });

    app.delete('/api/repos/delete', (req, res) => {
      if (!this.userOf(req)) return hubError(res, 401, 'Invalid credentials in Authorization header');
      const { name, organization, type } = req.body as { name?: string; organization?: string; type?: string };
      const id = `${organization}/${name}`;
      const kind: RepoKind = type === 'dataset' || type === 'space' ? type : 'model';
      if (!this.repoExists(kind, id)) return hubError(res, 404, 'Repository not found', 'RepoNotFound');
      if (kind === 'space') this.spaces.delete(id);
      else this.repos.delete(kind, id);
      res.json({});
    });

    app.use(this.repos.router((req) => this.userOf(req) !== undefined));
    for (const router of this.extensions) app.use(router);
    this.webhookRoutes(app);

    app.use((_req: Request, res: Response) => hubError(res, 404, "Sorry, we can't find the page you are looking for."));
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => hubError(res, 400, err.message));
    return app;
  }
}
