import { datasetInfo, deleteRepo, whoAmI, HubApiError } from '@huggingface/hub';
import { PermanentBackendError } from '../errors';
import { requireHfToken } from '../http/http-error';
import { requestJson, type JsonResponse } from '../http/request-json';
import { findUnansweredWrite, outcomeUnknown } from '../http/unknown-outcome';
import { hubFetch } from './hub-fetch';

export type RepoType = 'model' | 'dataset' | 'space';
export interface RepoRef {
  type: RepoType;
  name: string;
}

export interface HubClientOptions {
  /** HF_ENDPOINT, e.g. https://huggingface.co (no trailing slash). */
  endpoint: string;
  token?: string;
  fetch?: typeof fetch;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export interface DatasetAt {
  sha: string;
  /** The repo's object id (24 hex), as webhook payloads carry it in `repo.id`. */
  id: string;
  private: boolean;
  /** The dataset card's YAML front matter as the Hub parsed it (features, configs, ...). */
  cardData?: Record<string, unknown>;
}

/**
 * The token cannot read (or act on) a repo that may well exist: a refused token, a repo private to another
 * namespace. Retrying cannot help, and "it no longer exists" would be the wrong thing to say.
 */
export class HubAccessError extends PermanentBackendError {
  override readonly name = 'HubAccessDenied';
}

/** The token's user and the organisations it acts for. */
export interface HubIdentity {
  name: string;
  type: string;
  orgs: string[];
}

export interface SpaceRuntime {
  stage: string;
  errorMessage?: string;
  hardware?: { current?: string | null; requested?: string | null };
}

export interface DiscussionSummary {
  num: number;
  title: string;
  status: string;
  isPullRequest: boolean;
}

export interface PostedDiscussion {
  num: number;
  url: string;
  /** True when an identical discussion already existed and none was created. */
  reused: boolean;
}

/** The Hub calls hub-retrain makes: @huggingface/hub where it has the call, hand-written HTTP where it lacks it. */
export class HubClient {
  private readonly fetch: typeof fetch;
  private identity?: Promise<HubIdentity>;

  constructor(private readonly options: HubClientOptions) {
    this.fetch = hubFetch(options.fetch, options.timeoutMs);
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  get hasToken(): boolean {
    return this.options.token !== undefined;
  }

  /** The commit a revision (default: main) of a dataset resolves to. */
  async datasetRevisionSha(dataset: string, revision = 'main'): Promise<string> {
    return (await this.datasetAt(dataset, revision)).sha;
  }

  /** A dataset at a revision: the commit it resolves to, the repo's id and visibility. */
  async datasetAt(dataset: string, revision = 'main'): Promise<DatasetAt> {
    const info = await datasetInfo({
      name: dataset,
      revision,
      additionalFields: ['sha', 'cardData'],
      hubUrl: this.options.endpoint,
      accessToken: this.options.token,
      fetch: this.fetch,
    });
    if (typeof info.sha !== 'string') throw new Error(`the Hub did not report a sha for ${dataset}@${revision}`);
    const cardData = typeof info.cardData === 'object' && info.cardData !== null ? info.cardData : undefined;
    return { sha: info.sha, id: info.id, private: info.private, cardData: cardData as Record<string, unknown> };
  }

  async whoami(): Promise<HubIdentity> {
    const me = await whoAmI({ accessToken: this.requireToken(), hubUrl: this.options.endpoint, fetch: this.fetch });
    const orgs = 'orgs' in me && Array.isArray(me.orgs) ? me.orgs.map((o: { name: string }) => o.name) : [];
    return { name: me.name, type: me.type, orgs };
  }

  /**
   * A Space's runtime, or undefined when the Space no longer exists. The Hub answers a missing Space and one
   * private to someone else alike (401/404 RepoNotFound): when the Space's namespace is not one the token acts
   * for, or the Hub refused the token itself, this throws HubAccessError instead of calling it missing.
   */
  async spaceRuntime(spaceId: string): Promise<SpaceRuntime | undefined> {
    const res = await requestJson<SpaceRuntime>(`${this.options.endpoint}/api/spaces/${spaceId}/runtime`, {
      token: this.options.token,
      accept: [401, 403, 404],
      timeoutMs: this.options.timeoutMs,
      fetch: this.fetch,
    });
    if (res.status === 200) return res.body;
    await this.missingOrHidden({ type: 'space', name: spaceId }, res);
    return undefined;
  }

  /**
   * Pauses a Space (huggingface_hub `pause_space`: `POST /api/spaces/{id}/pause`, answering its runtime). Only the
   * Space's owner may: 403 otherwise.
   */
  async pauseSpace(spaceId: string): Promise<SpaceRuntime> {
    const res = await requestJson<SpaceRuntime>(`${this.options.endpoint}/api/spaces/${spaceId}/pause`, {
      method: 'POST',
      token: this.requireToken(),
      timeoutMs: this.options.timeoutMs,
      fetch: this.fetch,
    });
    return res.body;
  }

  /**
   * After a 401/403/404 about a repo: returns when the repo is missing, throws HubAccessError when the token
   * cannot read it. The Hub does not tell "missing" from "private to someone else", so the token's own
   * namespaces decide: a repo in one of them that the Hub cannot find is gone.
   */
  async missingOrHidden(
    repo: RepoRef,
    answer: Pick<JsonResponse<unknown>, 'status' | 'headers' | 'body'>,
  ): Promise<void> {
    const what = `the ${repo.type === 'space' ? 'Space' : repo.type} ${repo.name}`;
    const detail = (answer.body as { error?: unknown } | undefined)?.error;
    const said = `${answer.status}${typeof detail === 'string' ? ` ${detail}` : ''}`;
    if (answer.status === 403 || (answer.status === 401 && answer.headers.get('x-error-code') !== 'RepoNotFound')) {
      throw new HubAccessError(`the token cannot read ${what}: the Hub answered ${said}`);
    }
    if (!this.options.token) throw new HubAccessError(`the token cannot read ${what}: HF_TOKEN is not set`);
    let me: HubIdentity;
    try {
      me = await (this.identity ??= this.whoami());
    } catch (err) {
      this.identity = undefined;
      if (err instanceof HubApiError && (err.statusCode === 401 || err.statusCode === 403)) {
        throw new HubAccessError(`the token cannot read ${what}: the Hub refused HF_TOKEN (${err.statusCode})`);
      }
      throw err;
    }
    const namespace = repo.name.split('/')[0] ?? '';
    if (namespace !== me.name && !me.orgs.includes(namespace)) {
      throw new HubAccessError(
        `the token cannot read ${what}: it is not in a namespace the token's user "${me.name}" acts for ` +
          `(or it does not exist)`,
      );
    }
  }

  /** Deletes a repo; one that is already gone is not an error. */
  async deleteRepo(repo: RepoRef): Promise<void> {
    try {
      await deleteRepo({
        repo: { type: repo.type, name: repo.name },
        accessToken: this.requireToken(),
        hubUrl: this.options.endpoint,
        fetch: this.fetch,
      });
    } catch (err) {
      if (err instanceof HubApiError && (err.statusCode === 404 || err.statusCode === 401)) return;
      throw err;
    }
  }

  /**
   * Every discussion of a Space, or undefined when the Space no longer exists; HubAccessError when the token
   * cannot read it.
   */
  async spaceDiscussions(spaceId: string): Promise<DiscussionSummary[] | undefined> {
    return this.discussionPages({ type: 'space', name: spaceId }, true);
  }

  /** Every discussion of a repo (all pages), newest first as the Hub lists them. */
  async listDiscussions(repo: RepoRef): Promise<DiscussionSummary[]> {
    return (await this.discussionPages(repo, false)) ?? [];
  }

  private async discussionPages(repo: RepoRef, missingIsAnswer: boolean): Promise<DiscussionSummary[] | undefined> {
    const out: DiscussionSummary[] = [];
    for (let page = 0; page < 100; page++) {
      const res = await requestJson<{ discussions: DiscussionSummary[]; count: number; start: number }>(
        `${this.repoApi(repo)}/discussions`,
        {
          token: this.options.token,
          query: { p: String(page) },
          accept: missingIsAnswer && page === 0 ? [401, 403, 404] : undefined,
          timeoutMs: this.options.timeoutMs,
          fetch: this.fetch,
        },
      );
      if (res.status !== 200) {
        await this.missingOrHidden(repo, res);
        return undefined;
      }
      const { discussions, count, start } = res.body;
      out.push(...discussions);
      if (discussions.length === 0 || start + discussions.length >= count) break;
    }
    return out;
  }

  /**
   * Opens a discussion unless one with the same title exists already, so a retried notification never
   * posts twice. Titles are made unique per pipeline, revision and outcome by the caller. When the Hub's
   * answer never comes, it may open the discussion anyway: look for it before failing (and retrying).
   */
  async postDiscussionOnce(repo: RepoRef, title: string, description: string): Promise<PostedDiscussion> {
    const token = this.requireToken(); // fail fast, before any request, when no token is configured
    const find = async () => (await this.listDiscussions(repo)).find((d) => d.title === title && !d.isPullRequest);
    const existing = await find();
    if (existing) return { num: existing.num, url: this.discussionUrl(repo, existing.num), reused: true };
    try {
      const res = await requestJson<{ num: number }>(`${this.repoApi(repo)}/discussions`, {
        method: 'POST',
        token,
        body: { title, description, pullRequest: false },
        timeoutMs: this.options.timeoutMs,
        fetch: this.fetch,
      });
      return { num: res.body.num, url: this.discussionUrl(repo, res.body.num), reused: false };
    } catch (err) {
      if (!outcomeUnknown(err)) throw err;
      const opened = await findUnansweredWrite(find);
      if (opened) return { num: opened.num, url: this.discussionUrl(repo, opened.num), reused: true };
      throw err;
    }
  }

  discussionUrl(repo: RepoRef, num: number): string {
    return `${this.webUrl(repo)}/discussions/${num}`;
  }

  webUrl(repo: RepoRef): string {
    const prefix = repo.type === 'model' ? '' : `/${repo.type}s`;
    return `${this.options.endpoint}${prefix}/${repo.name}`;
  }

  private repoApi(repo: RepoRef): string {
    return `${this.options.endpoint}/api/${repo.type}s/${repo.name}`;
  }

  private requireToken(): string {
    return requireHfToken(this.options.token, 'this step needs a Hugging Face token with write access');
  }
}
