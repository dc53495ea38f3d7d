/**
 * A fake Hugging Face Jobs API (../shared/spec/hf-jobs.md), mounted on the fake Hub because Jobs live on
 * the Hub host (`hub.extend(jobs.router())` before `hub.start()`): create, inspect, list with `stage` and
 * `label` filters (paginated by a Link header), cancel (an empty answer; the stage says whether it took), labels
 * checked as the service checks them, Server-Sent-Event logs with the
 * start banner and keep-alive comments, `timeoutSeconds` enforced ("Job timeout"), and scripted lifecycles.
 * It has its own FaultPlan for 429/500 bursts. It shares no code with src/.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { FakeHub, FakeUser } from './fake-hub';
import { FaultPlan } from './faults';
import { Timers } from './listen';
import { validateCreate, validateListFilters, HARDWARE, type CreateBody } from './fake-jobs-request';

export type JobStage = 'SCHEDULING' | 'RUNNING' | 'UPDATING' | 'COMPLETED' | 'CANCELED' | 'ERROR' | 'DELETED';
const TERMINAL: ReadonlySet<JobStage> = new Set(['COMPLETED', 'CANCELED', 'ERROR', 'DELETED']);
const LIST_PAGE_SIZE = 20;

/** How a created job behaves. */
export interface JobScript {
  outcome: 'success' | 'error' | 'hang';
  /** Time in SCHEDULING before RUNNING. */
  schedulingMs?: number;
  /** Time in RUNNING before the outcome (a hanging job runs until cancelled or timed out). */
  runMs?: number;
  /** Lines the job prints, spread over its running time (a hanging job prints them at once). */
  logs?: string[];
  /** The status message of an `error` outcome. */
  errorMessage?: string;
  /** What the job pushes to a model repo on success (as the trainer's push_to_hub does). */
  pushModel?: { repo: string; files: Record<string, string> };
}

export interface LogEvent {
  data: string;
  timestamp: string;
}

export interface FakeJob {
  id: string;
  namespace: string;
  owner: { id: string; name: string; type: 'user' | 'org' };
  initiator: string;
  request: CreateBody;
  script: JobScript;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  stage: JobStage;
  message?: string;
  logs: LogEvent[];
}

export class FakeJobs {
  readonly faults = new FaultPlan();
  readonly jobs: FakeJob[] = [];
  /** Every cancel request, by job id (including ones for jobs that had already ended). */
  readonly cancelCalls: string[] = [];
  /** Every create request that reached the route, valid or not. */
  createRequests = 0;
  /** Every list request (`GET /api/jobs/{ns}`) that reached the route, and every inspect of one job. */
  listRequests = 0;
  getRequests = 0;
  defaultScript: JobScript = { outcome: 'success', schedulingMs: 100, runMs: 600 };
  /** Chooses the script of a new job (e.g. by its labels); undefined falls back to defaultScript. */
  scriptFor: (request: CreateBody) => JobScript | undefined = () => undefined;
  /** Seconds between `: keep-alive` comments on a log stream (the real service: 30). */
  keepAliveMs = 30_000;
  /**
   * While set, a create is carried out but its answer is held until the promise settles: the window in
   * which a worker can die after the job exists and before it learns the job's id.
   */
  holdCreateAnswers?: Promise<void>;
  /**
   * How long a cancelled job keeps its stage before it reads CANCELED. The service stops the container
   * asynchronously; huggingface_hub's `cancel_job` (hf_api.py) reads no answer, so a caller confirms the stop
   * by reading the job's stage.
   */
  cancelLagMs = 0;
  /**
   * The end notices jobs posted as their command exited (see postExitNotice), with the receiver's answer (0 when it
   * could not be reached). Off: jobs post none (a receiver that is not reachable from the job).
   */
  readonly exitNotices: Array<{ jobId: string; status: number }> = [];
  postExitNotices = true;
  private readonly timers = new Timers();
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly hub: FakeHub) {}

  job(id: string): FakeJob | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /** Jobs whose labels include all of `labels`. */
  jobsLabelled(labels: Record<string, string>): FakeJob[] {
    return this.jobs.filter((j) => Object.entries(labels).every(([k, v]) => j.request.labels?.[k] === v));
  }

  stop(): void {
    this.timers.clear();
  }

  /** Ends a running job now as its script would have (a `hang` job, for a test or a benchmark that decides when). */
  end(id: string, outcome: 'success' | 'error' = 'success'): void {
    const job = this.job(id);
    if (!job) throw new Error(`no job ${id}`);
    if (outcome === 'error') return this.finish(job, 'ERROR', job.script.errorMessage ?? 'Job failed');
    const push = job.script.pushModel;
    if (push) this.hub.commitFiles('model', push.repo, push.files, 'End of training');
    this.finish(job, 'COMPLETED');
  }

  router(): express.Router {
    const router = express.Router();
    router.use(this.faults.middleware()); // mounted at the root: faults match the full path
    router.use('/api/jobs', (req, res, next) => {
      if (!this.hub.userOf(req))
        return void res.status(401).json({ error: 'Invalid credentials in Authorization header' });
      next();
    });

    router.get('/api/jobs/hardware', (_req, res) => {
      res.json(
        Object.entries(HARDWARE).map(([name, usdPerHour]) => ({
          name,
          prettyName: name,
          unitCostUSD: usdPerHour / 60,
          unitCostMicroUSD: Math.round((usdPerHour / 60) * 1e6),
          unitLabel: 'minute',
        })),
      );
    });

    router.post('/api/jobs/:ns', (req, res) => {
      this.createRequests += 1;
      const owner = this.owner(req, res);
      if (!owner) return;
      const problem = validateCreate(req.body);
      if (problem) return void res.status(400).json({ error: problem });
      const request = req.body as CreateBody;
      const job: FakeJob = {
        id: randomBytes(12).toString('hex'),
        namespace: owner.name,
        owner,
        initiator: this.hub.userOf(req)!.name,
        request,
        script: this.scriptFor(request) ?? this.defaultScript,
        createdAt: new Date().toISOString(),
        stage: 'SCHEDULING',
        logs: [],
      };
      this.jobs.push(job);
      this.run(job);
      const answer = () => void res.json(this.render(job));
      if (this.holdCreateAnswers) this.holdCreateAnswers.then(answer, answer);
      else answer();
    });

    router.get('/api/jobs/:ns', (req, res) => {
      this.listRequests += 1;
      const owner = this.owner(req, res);
      if (!owner) return;
      const refused = validateListFilters(req.query);
      if (refused) return void res.status(400).json({ error: refused });
      const stages = ([] as unknown[]).concat(req.query.stage ?? []).map(String);
      const labels = ([] as unknown[]).concat(req.query.label ?? []).map((l) => String(l).split('='));
      const matching = this.jobs
        .filter((j) => j.namespace === owner.name)
        .filter((j) => stages.length === 0 || stages.includes(j.stage))
        .filter((j) => labels.every(([k, ...v]) => j.request.labels?.[k!] === v.join('=')))
        .reverse(); // newest first
      const cursor = Number(req.query.cursor ?? 0) || 0;
      if (cursor + LIST_PAGE_SIZE < matching.length) {
        const next = new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`);
        next.searchParams.set('cursor', String(cursor + LIST_PAGE_SIZE));
        res.setHeader('Link', `<${next.toString()}>; rel="next"`);
      }
      res.json(matching.slice(cursor, cursor + LIST_PAGE_SIZE).map((j) => this.render(j)));
    });

    router.get('/api/jobs/:ns/:id', (req, res) => {
      this.getRequests += 1;
      const job = this.find(req, res);
      if (job) res.json(this.render(job));
    });

    router.post('/api/jobs/:ns/:id/cancel', (req, res) => {
      const job = this.find(req, res);
      if (!job) return;
      this.cancelCalls.push(job.id);
      if (!TERMINAL.has(job.stage)) {
        if (this.cancelLagMs > 0) this.timers.later(this.cancelLagMs, () => this.finish(job, 'CANCELED'));
        else this.finish(job, 'CANCELED');
      }
      // The answer's body is not part of the contract (huggingface_hub's cancel_job ignores it): send none.
      res.status(200).end();
    });

    router.get('/api/jobs/:ns/:id/logs', (req, res) => {
      const job = this.find(req, res);
      if (job) this.streamLogs(req, res, job);
    });
    return router;
  }

  private owner(req: Request, res: Response): FakeJob['owner'] | undefined {
    const user = this.hub.userOf(req) as FakeUser;
    const ns = String(req.params.ns);
    if (ns !== user.name && !(user.orgs ?? []).includes(ns)) {
      res.status(403).json({ error: `You are not allowed to run jobs in the namespace ${ns}` });
      return undefined;
    }
    const type = ns === user.name ? (user.type ?? 'user') : 'org';
    return { id: Buffer.from(ns).toString('hex').padEnd(24, '0').slice(0, 24), name: ns, type };
  }

  private find(req: Request, res: Response): FakeJob | undefined {
    if (!this.owner(req, res)) return undefined;
    const job = this.jobs.find((j) => j.id === req.params.id && j.namespace === req.params.ns);
    if (!job) res.status(404).json({ error: 'Job not found' });
    return job;
  }

  private streamLogs(req: Request, res: Response, job: FakeJob): void {
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
    const tail = Number(req.query.tail);
    let sent = Number.isInteger(tail) && tail > 0 ? Math.max(0, job.logs.length - tail) : 0;
    const flush = () => {
      for (; sent < job.logs.length; sent++) res.write(`data: ${JSON.stringify(job.logs[sent])}\n\n`);
      if (TERMINAL.has(job.stage)) close();
    };
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), this.keepAliveMs);
    const subscribers = this.listeners.get(job.id) ?? new Set();
    this.listeners.set(job.id, subscribers);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      subscribers.delete(flush);
      res.end();
    };
    subscribers.add(flush);
    req.on('close', close);
    flush();
  }

  private run(job: FakeJob): void {
    const { script } = job;
    this.timers.later(script.schedulingMs ?? 100, () => {
      if (job.stage !== 'SCHEDULING') return;
      job.stage = 'RUNNING';
      job.startedAt = new Date().toISOString();
      this.log(job, `===== Job started at ${job.startedAt} =====`);
      const timeoutMs = (job.request.timeoutSeconds ?? 30 * 60) * 1000;
      this.timers.later(timeoutMs, () => this.finish(job, 'ERROR', 'Job timeout'));
      const lines = script.logs ?? ['Downloading data', 'Training', "{'eval_accuracy': 0.9, 'epoch': 1.0}"];
      if (script.outcome === 'hang') return lines.forEach((line) => this.log(job, line));
      const runMs = script.runMs ?? 600;
      lines.forEach((line, i) => this.timers.later((runMs * i) / lines.length, () => this.log(job, line)));
      this.timers.later(runMs, () => {
        if (script.outcome === 'error') return this.finish(job, 'ERROR', script.errorMessage ?? 'Job failed');
        if (script.pushModel)
          this.hub.commitFiles('model', script.pushModel.repo, script.pushModel.files, 'End of training');
        this.finish(job, 'COMPLETED');
      });
    });
  }

  private finish(job: FakeJob, stage: JobStage, message?: string): void {
    if (TERMINAL.has(job.stage)) return;
    job.stage = stage;
    job.message = message;
    job.finishedAt = new Date().toISOString();
    this.notify(job);
    // The command exited on its own; a cancelled or timed-out job's container is stopped, its command with it.
    if (stage === 'COMPLETED' || (stage === 'ERROR' && message !== 'Job timeout')) this.postExitNotice(job);
  }

  /**
   * The part of a job the fake plays instead of running its container: a command hub-retrain wrapped to post its end
   * (`sh -c <wrapper> hub-retrain-notice <command...>`, with RETRAIN_NOTICE_URL in its environment and
   * RETRAIN_NOTICE_TOKEN in its secrets) posts, once it exits, to that URL with the token as a bearer.
   */
  private postExitNotice(job: FakeJob): void {
    const { command = [], environment = {}, secrets = {} } = job.request;
    const url = environment.RETRAIN_NOTICE_URL;
    const token = secrets.RETRAIN_NOTICE_TOKEN;
    if (!this.postExitNotices || !url || !token || command[0] !== 'sh' || command[3] !== 'hub-retrain-notice') return;
    fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })
      .then((res) => res.status)
      .catch(() => 0)
      .then((status) => this.exitNotices.push({ jobId: job.id, status }))
      .catch(() => undefined);
  }

  private log(job: FakeJob, line: string): void {
    if (TERMINAL.has(job.stage)) return;
    job.logs.push({ data: line, timestamp: new Date().toISOString() });
    this.notify(job);
  }

  private notify(job: FakeJob): void {
    for (const listener of [...(this.listeners.get(job.id) ?? [])]) listener();
  }

  /** The job JSON of the spec: the request echoed, secrets by name only. */
  private render(job: FakeJob): Record<string, unknown> {
    const { request } = job;
    const seconds = (from?: string, to?: string) =>
      from ? Math.round(((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000) : 0;
    return {
      type: 'job',
      id: job.id,
      createdAt: job.createdAt,
      ...(job.startedAt ? { startedAt: job.startedAt } : {}),
      ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
      durations: {
        schedulingSecs: seconds(job.createdAt, job.startedAt),
        runningSecs: seconds(job.startedAt, job.finishedAt),
        totalSecs: seconds(job.createdAt, job.finishedAt),
      },
      ...(request.dockerImage ? { dockerImage: request.dockerImage } : { spaceId: request.spaceId }),
      command: request.command ?? [],
      arguments: request.arguments ?? [],
      environment: request.environment ?? {},
      flavor: request.flavor ?? 'cpu-basic',
      timeoutSeconds: request.timeoutSeconds ?? 30 * 60,
      labels: request.labels ?? {},
      secrets: Object.keys(request.secrets ?? {}),
      status: { stage: job.stage, ...(job.message ? { message: job.message } : {}), failureCount: 0 },
      owner: job.owner,
      initiator: { id: job.initiator, name: job.initiator, type: 'user' },
    };
  }
}
