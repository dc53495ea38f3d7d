/**
 * The fake Hub's model and dataset repositories. A commit is a whole snapshot of the files; the router
 * serves them the way the Hub does (spec/hf-hub-api.md): info at a revision, `resolve` (answering the
 * `Range: bytes=0-0` probe @huggingface/hub sends first with 206 + Content-Range + ETag, never the Xet
 * content type), `tree` (paginated by a Link header, rev raw or URL-encoded) and `paths-info`.
 */
import { createHash, randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { parse as parseYaml } from 'yaml';
import { hubError } from './hub-error';

export type FileRepoKind = 'model' | 'dataset';
export type FileContent = string | Buffer;

export interface FakeCommit {
  sha: string;
  title: string;
  date: string;
  files: ReadonlyMap<string, Buffer>;
}

export interface FakeRepo {
  kind: FileRepoKind;
  id: string;
  objectId: string;
  private: boolean;
  /** Oldest first; the last is the head of main. */
  commits: FakeCommit[];
}

interface TreeEntry {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lastCommit?: { id: string; title: string; date: string };
}

const KINDS: Record<string, FileRepoKind> = { models: 'model', datasets: 'dataset' };
const TREE_PAGE_SIZE = 50;

export const randomSha = (): string => randomBytes(20).toString('hex');
const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('hex');
/** The oid git gives a blob, as the Hub reports it for regular files. */
const blobOid = (content: Buffer): string => sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));

export class RepoStore {
  private readonly repos = new Map<string, FakeRepo>();

  create(
    kind: FileRepoKind,
    id: string,
    options: { private?: boolean; commits?: string[]; files?: Record<string, FileContent> } = {},
  ): FakeRepo {
    const files = new Map(Object.entries(options.files ?? {}).map(([p, c]) => [p, Buffer.from(c)] as const));
    const date = new Date().toISOString();
    const repo: FakeRepo = {
      kind,
      id,
      objectId: sha1(`${kind}:${id}`).slice(0, 24),
      private: options.private ?? false,
      commits: (options.commits ?? [randomSha()]).map((sha) => ({ sha, title: 'initial commit', date, files })),
    };
    this.repos.set(`${kind}:${id}`, repo);
    return repo;
  }

  get(kind: FileRepoKind, id: string): FakeRepo | undefined {
    return this.repos.get(`${kind}:${id}`);
  }

  has(kind: FileRepoKind, id: string): boolean {
    return this.repos.has(`${kind}:${id}`);
  }

  delete(kind: FileRepoKind, id: string): boolean {
    return this.repos.delete(`${kind}:${id}`);
  }

  /** One commit on main adding or replacing files (`null` deletes one); creates the repo if needed. Returns the sha. */
  commit(
    kind: FileRepoKind,
    id: string,
    changes: Record<string, FileContent | null>,
    options: { sha?: string; title?: string } = {},
  ): string {
    const repo = this.get(kind, id) ?? this.create(kind, id, { commits: [] });
    const files = new Map(repo.commits.at(-1)?.files ?? []);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) files.delete(path);
      else files.set(path, Buffer.from(content));
    }
    const sha = options.sha ?? randomSha();
    repo.commits.push({ sha, title: options.title ?? 'Upload files', date: new Date().toISOString(), files });
    return sha;
  }

  head(kind: FileRepoKind, id: string): FakeCommit {
    const commit = this.get(kind, id)?.commits.at(-1);
    if (!commit) throw new Error(`no ${kind} ${id}`);
    return commit;
  }

  file(kind: FileRepoKind, id: string, path: string, rev = 'main'): Buffer | undefined {
    const repo = this.get(kind, id);
    return repo ? resolve(repo, rev)?.files.get(path) : undefined;
  }

  /** The routes; `authorized` says whether a request carries a token the Hub knows (private repos need one). */
  router(authorized: (req: Request) => boolean): express.Router {
    const router = express.Router();
    const visible = (req: Request, res: Response, kind: FileRepoKind | undefined): FakeRepo | undefined => {
      const repo = kind && this.get(kind, `${String(req.params.owner)}/${String(req.params.name)}`);
      if (!repo || (repo.private && !authorized(req))) {
        hubError(res, 401, 'Repository not found', 'RepoNotFound');
        return undefined;
      }
      return repo;
    };
    const atRevision = (res: Response, repo: FakeRepo, rev: string): FakeCommit | undefined => {
      const commit = resolve(repo, rev);
      if (!commit) hubError(res, 404, `Invalid rev id: ${rev}`, 'RevisionNotFound');
      return commit;
    };

    const info = (req: Request, res: Response, next: express.NextFunction): void => {
      const kind = KINDS[String(req.params.kinds)];
      if (!kind) return next(); // /api/jobs/... and friends live elsewhere
      const repo = visible(req, res, kind);
      const commit = repo && atRevision(res, repo, req.params.rev ? joined(req.params.rev) : 'main');
      if (!repo || !commit) return;
      res.json({
        _id: repo.objectId,
        id: repo.id,
        sha: commit.sha,
        private: repo.private,
        gated: false,
        disabled: false,
        downloads: 0,
        likes: 0,
        lastModified: commit.date,
        cardData: cardDataOf(commit),
        siblings: [...commit.files.keys()].sort().map((rfilename) => ({ rfilename })),
        tags: [],
      });
    };
    router.get('/api/:kinds/:owner/:name/revision/*rev', info);
    router.get('/api/:kinds/:owner/:name', info);

    const serveFile = (kind: FileRepoKind) => (req: Request, res: Response) => {
      const repo = visible(req, res, kind);
      const commit = repo && atRevision(res, repo, String(req.params.rev));
      if (!repo || !commit) return;
      const path = joined(req.params.path);
      const content = commit.files.get(path);
      if (!content) return hubError(res, 404, `Entry not found: ${path}`, 'EntryNotFound');
      res.setHeader('ETag', `"${blobOid(content)}"`);
      res.setHeader('X-Repo-Commit', commit.sha);
      res.setHeader('Accept-Ranges', 'bytes');
      res.type('application/octet-stream');
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!range || content.length === 0) return void res.status(200).send(content);
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : content.length - 1, content.length - 1);
      if (start > end) return void res.status(416).setHeader('Content-Range', `bytes */${content.length}`).end();
      res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${content.length}`);
      res.send(content.subarray(start, end + 1));
    };
    router.get('/datasets/:owner/:name/resolve/:rev/*path', serveFile('dataset'));
    router.get('/:owner/:name/resolve/:rev/*path', serveFile('model'));

    router.get('/api/:kinds/:owner/:name/tree/*rest', (req, res, next) => {
      const kind = KINDS[String(req.params.kinds)];
      if (!kind) return next();
      const repo = visible(req, res, kind);
      if (!repo) return;
      const segments = ([] as string[]).concat(req.params.rest ?? []);
      // The JS client sends `refs/pr/1` raw (three segments), the Python one URL-encoded (one).
      const revLength = segments[0] === 'refs' && segments[1] === 'pr' ? 3 : 1;
      const commit = atRevision(res, repo, segments.slice(0, revLength).join('/'));
      if (!commit) return;
      const dir = segments.slice(revLength).join('/');
      const entries = listTree(commit, dir, req.query.recursive === 'true');
      if (dir && entries.length === 0) return hubError(res, 404, `Entry not found: ${dir}`, 'EntryNotFound');
      const cursor = Number(req.query.cursor ?? 0) || 0;
      const page = entries.slice(cursor, cursor + TREE_PAGE_SIZE);
      if (cursor + TREE_PAGE_SIZE < entries.length) {
        const next = new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`);
        next.searchParams.set('cursor', String(cursor + TREE_PAGE_SIZE));
        res.setHeader('Link', `<${next.toString()}>; rel="next"`);
      }
      res.json(req.query.expand === 'true' ? page.map((e) => withLastCommit(repo, commit, e)) : page);
    });

    router.post(
      '/api/:kinds/:owner/:name/paths-info/*rev',
      express.urlencoded({ extended: false }), // huggingface_hub (Python) posts a form; the JS client JSON
      (req, res, next) => {
        const kind = KINDS[String(req.params.kinds)];
        if (!kind) return next();
        const repo = visible(req, res, kind);
        const commit = repo && atRevision(res, repo, joined(req.params.rev));
        if (!repo || !commit) return;
        const body = (req.body ?? {}) as { paths?: unknown; expand?: unknown };
        const paths = ([] as unknown[]).concat(body.paths ?? []).map(String);
        const expand = body.expand === true || body.expand === 'true';
        const all = listTree(commit, '', true);
        const found = paths.flatMap((p) => all.filter((e) => e.path === p.replace(/\/+$/, '')));
        res.json(expand ? found.map((e) => withLastCommit(repo, commit, e)) : found);
      },
    );
    // Commits (spec/hf-hub-api.md "Publishing a model"): preupload says every file is "regular", then the
    // commit carries them base64 in NDJSON lines.
    router.post('/api/:kinds/:owner/:name/preupload/:rev', (req, res, next) => {
      const kind = KINDS[String(req.params.kinds)];
      if (!kind) return next();
      if (!authorized(req)) return hubError(res, 401, 'Invalid credentials in Authorization header');
      if (!this.visibleOrMissing(kind, req, res)) return;
      const files = ((req.body as { files?: Array<{ path: string }> }).files ?? []).map((f) => ({
        path: f.path,
        uploadMode: 'regular',
        shouldIgnore: false,
      }));
      res.json({ files, commitOid: this.get(kind, repoId(req))?.commits.at(-1)?.sha });
    });
    router.post(
      '/api/:kinds/:owner/:name/commit/:rev',
      express.text({ type: 'application/x-ndjson', limit: '100mb' }),
      (req, res, next) => {
        const kind = KINDS[String(req.params.kinds)];
        if (!kind) return next();
        if (!authorized(req)) return hubError(res, 401, 'Invalid credentials in Authorization header');
        if (!this.visibleOrMissing(kind, req, res)) return;
        if (!req.is('application/x-ndjson')) return hubError(res, 400, 'expected application/x-ndjson');
        const changes: Record<string, FileContent | null> = {};
        let summary = 'Upload files';
        for (const line of String(req.body)
          .split('\n')
          .filter((l) => l.trim() !== '')) {
          const { key, value } = JSON.parse(line) as { key: string; value: Record<string, string> };
          if (key === 'header') summary = value.summary ?? summary;
          else if (key === 'file')
            changes[value.path!] = Buffer.from(value.content ?? '', value.encoding === 'base64' ? 'base64' : 'utf8');
          else if (key === 'deletedFile') changes[value.path!] = null;
          else return hubError(res, 400, `unsupported commit operation ${key}`);
        }
        const id = repoId(req);
        const sha = this.commit(kind, id, changes, { title: summary });
        res.json({
          success: true,
          commitOid: sha,
          commitUrl: `${req.protocol}://${req.get('host')}/${kind === 'model' ? '' : `${kind}s/`}${id}/commit/${sha}`,
        });
      },
    );
    return router;
  }

  /** The repo must exist (created by /api/repos/create); answers 404 RepoNotFound otherwise. */
  private visibleOrMissing(kind: FileRepoKind, req: Request, res: Response): boolean {
    if (this.has(kind, repoId(req))) return true;
    hubError(res, 404, 'Repository not found', 'RepoNotFound');
    return false;
  }
}

/** The Hub parses a repo card's YAML front matter into `cardData` (hub-docs: datasets-cards, repositories-cards). */
function cardDataOf(commit: FakeCommit): Record<string, unknown> {
  const readme = commit.files.get('README.md')?.toString('utf8') ?? '';
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  if (!front) return {};
  try {
    const parsed: unknown = parseYaml(front[1]!);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function repoId(req: Request): string {
  return `${String(req.params.owner)}/${String(req.params.name)}`;
}

function joined(param: string | string[] | undefined): string {
  return ([] as string[]).concat(param ?? []).join('/');
}

function resolve(repo: FakeRepo, rev: string): FakeCommit | undefined {
  if (rev === 'main' || rev === 'HEAD') return repo.commits.at(-1);
  return repo.commits.find((c) => c.sha === rev);
}

/** Files and directories under `dir` (all levels when recursive), sorted by path. */
function listTree(commit: FakeCommit, dir: string, recursive: boolean): TreeEntry[] {
  const prefix = dir ? `${dir}/` : '';
  const dirs = new Set<string>();
  const files: TreeEntry[] = [];
  for (const [path, content] of commit.files) {
    if (!path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split('/');
    const depth = recursive ? parts.length - 1 : Math.min(parts.length - 1, 1);
    for (let i = 1; i <= depth; i++) dirs.add(prefix + parts.slice(0, i).join('/'));
    if (recursive || parts.length === 1)
      files.push({ type: 'file', oid: blobOid(content), size: content.length, path });
  }
  const directories = [...dirs].map((path): TreeEntry => ({ type: 'directory', oid: sha1(path), size: 0, path }));
  return [...directories, ...files].sort((a, b) => a.path.localeCompare(b.path));
}

/** `expand=true`: the last commit (up to `at`) that changed the entry. */
function withLastCommit(repo: FakeRepo, at: FakeCommit, entry: TreeEntry): TreeEntry {
  const history = repo.commits.slice(0, repo.commits.indexOf(at) + 1);
  const changed = (c: FakeCommit, prev: FakeCommit | undefined) =>
    [...c.files.keys()]
      .filter((p) => p === entry.path || p.startsWith(`${entry.path}/`))
      .some((p) => !prev?.files.get(p)?.equals(c.files.get(p)!));
  const last = [...history].reverse().find((c) => changed(c, history[history.indexOf(c) - 1])) ?? history[0]!;
  return { ...entry, lastCommit: { id: last.sha, title: last.title, date: last.date } };
}
