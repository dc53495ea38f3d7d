import { datasetInfo, deleteRepo, whoAmI, HubApiError } from '@huggingface/hub';
import { MissingCredentialsError } from '../http/http-error';
import { requestJson } from '../http/request-json';
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
      additionalFields: ['sha'],
      hubUrl: this.options.endpoint,
      accessToken: this.options.token,
      fetch: this.fetch,
    });
    if (typeof info.sha !== 'string') throw new Error(`the Hub did not report a sha for ${dataset}@${revision}`);
    return { sha: info.sha, id: info.id, private: info.private };
  }

  async whoami(): Promise<{ name: string; type: string }> {
    const me = await whoAmI({ accessToken: this.requireToken(), hubUrl: this.options.endpoint, fetch: this.fetch });
    return { name: me.name, type: me.type };
  }

  /** A Space's runtime, or undefined when the Space does not exist (or is not visible to the token). */
  async spaceRuntime(spaceId: string): Promise<SpaceRuntime | undefined> {
    const res = await requestJson<SpaceRuntime>(`${this.options.endpoint}/api/spaces/${spaceId}/runtime`, {
      token: this.options.token,
      accept: [401, 404],
      timeoutMs: this.options.timeoutMs,
      fetch: this.fetch,
    });
    return res.status === 200 ? res.body : undefined;
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

  /** Every discussion of a repo (all pages), newest first as the Hub lists them. */
  async listDiscussions(repo: RepoRef): Promise<DiscussionSummary[]> {
    const out: DiscussionSummary[] = [];
    for (let page = 0; page < 100; page++) {
      const res = await requestJson<{ discussions: DiscussionSummary[]; count: number; start: number }>(
        `${this.repoApi(repo)}/discussions`,
        { token: this.options.token, query: { p: String(page) }, timeoutMs: this.options.timeoutMs, fetch: this.fetch },
      );
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
    if (!this.options.token)
      throw new MissingCredentialsError('HF_TOKEN is not set: this step needs a Hugging Face token with write access');
    return this.options.token;
  }
}
