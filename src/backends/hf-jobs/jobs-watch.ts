/**
 * One check per namespace and interval for every run of this worker that waits for a Hugging Face job. Jobs has no
 * notice of its own: instead of each run asking for its job, the watch lists the namespace's running hub-retrain
 * jobs in one call (`GET /api/jobs/{ns}?label=retrain-managed-by=hub-retrain&stage=SCHEDULING&stage=RUNNING`,
 * as huggingface_hub's `list_jobs(labels=..., status=...)` asks) every interval: the shortest of the runs it
 * watches, each of which asks to hear of its end as soon as its own checks would have seen it (seconds while the
 * training is young, then up to its `poll_interval_seconds`). A watched job missing from that answer has ended (or was
 * started before jobs carried the label, or is `UPDATING`): the watch reads that job alone, and when it has ended,
 * tells its run (a trainingEnded signal), which checks at once. Each run's own periodic check reads the shared
 * answer (`answer`) instead of asking, and is only a safety net.
 *
 * A run registers its job at each of its checks (HfJobsBackend.tellsWhenDone); a registration not renewed within
 * a few safety-net intervals is dropped (the run was cancelled, or waits on another worker now). A worker restart
 * loses the registrations: each run registers again at its next check.
 */
import { HF_JOBS_MANAGED_BY, HF_JOBS_RUN_LABELS } from '../../config/backends';
import type { JobsClient, JobInfo } from './jobs-client';
import { isTerminalStage } from './job-stage';

/** The stages a listed job may be in while it runs (huggingface_hub's JobStage has these two). */
const RUNNING_STAGES = ['SCHEDULING', 'RUNNING'];
/** A registration lives this long (or three of its run's intervals) without being renewed by the run's check. */
const REGISTRATION_TTL_MS = 30 * 60_000;

export interface JobsWatchDeps {
  /** Tells a run that its job ended (the worker's Temporal client: a trainingEnded signal). */
  tell(workflowId: string): Promise<void>;
  /** Failures of the shared check (it is tried again at the next interval). */
  onError?(err: unknown, namespace: string): void;
}

interface Watched {
  workflowId: string;
  intervalMs: number;
  until: number;
}

interface Snapshot {
  at: number;
  jobs: Map<string, JobInfo>;
}

/** The watch of one namespace. */
class NamespaceWatch {
  readonly jobs = new Map<string, Watched>();
  snapshot?: Snapshot;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(
    private readonly namespace: string,
    private client: JobsClient,
    private readonly deps: JobsWatchDeps,
  ) {}

  register(client: JobsClient, jobId: string, watched: Watched): void {
    this.client = client;
    const before = this.intervalMs();
    this.jobs.set(jobId, watched);
    if (!this.timer) this.schedule(0);
    else if (!this.checking && watched.intervalMs < before) this.schedule(watched.intervalMs);
  }

  /**
   * The shared answer about a job, while it is fresh: at most two intervals old (the next check may be late by
   * a slow list). A job that ended since is told of by the next check anyway.
   */
  answer(jobId: string, now: number): JobInfo | undefined {
    const snapshot = this.snapshot;
    if (!snapshot || now - snapshot.at > 2 * this.intervalMs()) return undefined;
    return snapshot.jobs.get(jobId);
  }

  /** A check now (or the one under way). */
  checkNow(): Promise<void> {
    clearTimeout(this.timer);
    return this.tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The shortest interval of the watched runs. */
  private intervalMs(): number {
    let shortest = Infinity;
    for (const watched of this.jobs.values()) shortest = Math.min(shortest, watched.intervalMs);
    return shortest;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  /** One check at a time; the next is scheduled when it is done. */
  private tick(): Promise<void> {
    this.checking ??= this.check()
      .catch((err: unknown) => this.deps.onError?.(err, this.namespace))
      .finally(() => {
        this.checking = undefined;
        if (this.jobs.size > 0) this.schedule(this.intervalMs());
        else this.timer = undefined;
      });
    return this.checking;
  }

  /** One list call; then one read for each watched job the list does not show, and a notice for each that ended. */
  private async check(): Promise<void> {
    const now = Date.now();
    for (const [id, watched] of this.jobs) if (watched.until < now) this.jobs.delete(id);
    if (this.jobs.size === 0) return;
    const listed = await this.client.list(this.namespace, {
      labels: { [HF_JOBS_RUN_LABELS.managedBy]: HF_JOBS_MANAGED_BY },
      stages: RUNNING_STAGES,
    });
    const jobs = new Map(listed.map((job) => [job.id, job]));
    const ended: Watched[] = [];
    for (const [id, watched] of [...this.jobs]) {
      if (jobs.has(id)) continue;
      const job = await this.client.get(this.namespace, id);
      if (job && !isTerminalStage(job.status.stage)) {
        jobs.set(id, job); // running, but not listed (no label: started before the label; or UPDATING)
        continue;
      }
      this.jobs.delete(id);
      ended.push(watched);
    }
    // The new answer first: a told run checks at once, and must not read the last one, which shows its job running
    // (it would then wait for its next periodic check; the 5,000-run benchmark saw up to two intervals).
    this.snapshot = { at: now, jobs };
    for (const watched of ended) {
      await this.deps.tell(watched.workflowId).catch((err: unknown) => this.deps.onError?.(err, this.namespace));
    }
  }
}

export class JobsWatch {
  private readonly namespaces = new Map<string, NamespaceWatch>();

  constructor(private readonly deps: JobsWatchDeps) {}

  /** Watches a waiting run's job from now on (renewed at each of the run's checks). */
  register(client: JobsClient, namespace: string, jobId: string, workflowId: string, intervalMs: number): void {
    let watch = this.namespaces.get(namespace);
    if (!watch) {
      watch = new NamespaceWatch(namespace, client, this.deps);
      this.namespaces.set(namespace, watch);
    }
    const ttl = Math.max(REGISTRATION_TTL_MS, 3 * intervalMs);
    watch.register(client, jobId, { workflowId, intervalMs, until: Date.now() + ttl });
  }

  /** What the namespace's last shared check said about the job, if it is fresh and listed it as running. */
  answer(namespace: string, jobId: string, now = Date.now()): JobInfo | undefined {
    return this.namespaces.get(namespace)?.answer(jobId, now);
  }

  /** Checks a namespace now rather than at its next interval (tests), resolving when the check is done. */
  async checkNow(namespace: string): Promise<void> {
    await this.namespaces.get(namespace)?.checkNow();
  }

  /** How many jobs are watched (all namespaces). */
  get size(): number {
    return [...this.namespaces.values()].reduce((n, w) => n + w.jobs.size, 0);
  }

  stop(): void {
    for (const watch of this.namespaces.values()) watch.stop();
  }
}
