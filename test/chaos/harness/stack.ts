/**
 * A chaos scenario's world: a Temporal dev server of its own (file-backed, random port), the fakes (Hub with
 * Jobs mounted on it, AutoTrain servers) in this process as real HTTP servers, and deployments of the real
 * receiver and worker processes on a task queue of their own, configured through the environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { FakeAutotrain, type TrainingScript } from '../../fakes/fake-autotrain';
import { FakeHub } from '../../fakes/fake-hub';
import { FakeJobs, type JobScript } from '../../fakes/fake-jobs';
import { DeliveryLedger, type DeliveryRecord } from './deliveries';
import { freePort } from './ports';
import {
  cliProcess,
  RECEIVER_READY,
  TemporalServer,
  WORKER_READY,
  type DynamicConfig,
  type ManagedProcess,
} from './processes';

export const CHAOS_TOKEN = 'hf_chaos_write_token_0123456789abcdef';
export const CHAOS_USER = 'acme';
const WEBHOOK_SECRET = 'chaos-webhook-secret-0123';

export type BackendKind = 'autotrain' | 'hf-jobs';

/** One pipeline of a scenario, on a dataset of its own. */
export interface PipelineUnderTest {
  name: string;
  dataset: string;
  backend: BackendKind;
  /** The AutoTrain server this pipeline trains on (its own, so faults and records are its own). */
  autotrain?: FakeAutotrain;
  /** Its config.json entry. */
  config: Record<string, unknown>;
}

export interface PipelineOptions {
  backend?: BackendKind;
  /** AutoTrain: how its training Spaces behave. */
  script?: TrainingScript;
  /** hf-jobs: how its jobs behave. */
  jobScript?: JobScript;
  /** More config.json keys (on_new_revision, max_training_time, ...). */
  config?: Record<string, unknown>;
}

export function bundlePath(): string {
  const path = process.env.CHAOS_BUNDLE;
  if (!path) throw new Error('CHAOS_BUNDLE is not set: run the chaos suite with `npm run test:chaos`');
  return path;
}

export class ChaosEnv {
  readonly autotrains: FakeAutotrain[] = [];
  readonly pipelines: PipelineUnderTest[] = [];
  private readonly deployments: Deployment[] = [];
  private readonly jobScripts = new Map<string, JobScript>();

  private constructor(
    readonly dir: string,
    readonly temporal: TemporalServer,
    readonly client: Client,
    readonly hub: FakeHub,
    readonly jobs: FakeJobs,
  ) {
    jobs.scriptFor = (request) => this.jobScripts.get(request.labels?.['retrain-pipeline'] ?? '');
  }

  /**
   * A Temporal dev server persisting to `<dir>/temporal.db` (with `dynamicConfig`, e.g. lower history limits),
   * a client, and the fake Hub with Jobs.
   */
  static async start(name: string, dynamicConfig?: DynamicConfig): Promise<ChaosEnv> {
    const dir = mkdtempSync(join(tmpdir(), `hub-retrain-chaos-${name}-`));
    const temporal = new TemporalServer(join(dir, 'temporal.db'), await freePort(), dir, dynamicConfig);
    await temporal.start();
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const hub = new FakeHub().addToken(CHAOS_TOKEN, { name: CHAOS_USER });
    const jobs = new FakeJobs(hub);
    await hub.extend(jobs.router()).start();
    return new ChaosEnv(dir, temporal, client, hub, jobs);
  }

  /** A pipeline on a new dataset of the fake Hub; AutoTrain pipelines get an AutoTrain server of their own. */
  async pipeline(label: string, options: PipelineOptions = {}): Promise<PipelineUnderTest> {
    // The name is also the AutoTrain project prefix, which may have at most 40 characters.
    const name = `${label.slice(0, 33)}-${randomBytes(3).toString('hex')}`;
    const dataset = `${CHAOS_USER}/${name}`;
    this.hub.addDataset(dataset);
    const backend = options.backend ?? 'autotrain';
    let autotrain: FakeAutotrain | undefined;
    let backendConfig: Record<string, unknown>;
    if (backend === 'autotrain') {
      autotrain = await new FakeAutotrain(this.hub).start();
      autotrain.defaultScript = options.script ?? { outcome: 'success', buildMs: 100, runMs: 800 };
      this.autotrains.push(autotrain);
      backendConfig = { type: 'autotrain', api_url: autotrain.url };
    } else {
      const metrics = JSON.stringify({ eval_accuracy: 0.9 });
      this.jobScripts.set(
        name,
        options.jobScript ?? {
          outcome: 'success',
          schedulingMs: 100,
          runMs: 800,
          pushModel: {
            repo: `${CHAOS_USER}/${name}`,
            files: { 'all_results.json': metrics, 'eval_results.json': metrics },
          },
        },
      );
      backendConfig = { type: 'hf-jobs', flavor: 'cpu-basic', timeout_seconds: 600 };
    }
    const pipeline: PipelineUnderTest = {
      name,
      dataset,
      backend,
      autotrain,
      config: {
        name,
        target_namespace: CHAOS_USER,
        input_dataset: dataset,
        input_model: 'microsoft/resnet-50',
        autotrain_project_prefix: name,
        poll_interval_seconds: 1,
        backend: backendConfig,
        ...options.config,
      },
    };
    this.pipelines.push(pipeline);
    return pipeline;
  }

  /** Matches Jobs API requests about this pipeline's jobs: its creates by their labels, the rest by job id. */
  jobsOf(p: PipelineUnderTest): (req: { path: string; body?: unknown }) => boolean {
    return (req) => {
      const body = req.body as { labels?: Record<string, string> } | undefined;
      if (body?.labels) return body.labels['retrain-pipeline'] === p.name;
      const id = /^\/api\/jobs\/[^/]+\/([0-9a-f]{24})/.exec(req.path)?.[1];
      return id !== undefined && this.jobs.job(id)?.request.labels?.['retrain-pipeline'] === p.name;
    };
  }

  /** A receiver and workers on a task queue of their own, serving these pipelines. */
  async deployment(pipelines: PipelineUnderTest[], label: string): Promise<Deployment> {
    const dir = join(this.dir, label);
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ pipelines: pipelines.map((p) => p.config) }, null, 2));
    const deployment = new Deployment(this, dir, `chaos-${label}-${randomBytes(3).toString('hex')}`, configPath);
    await deployment.init();
    this.deployments.push(deployment);
    return deployment;
  }

  async stop(): Promise<void> {
    for (const d of this.deployments) await d.stop().catch(() => undefined);
    await this.client.connection.close().catch(() => undefined);
    await this.temporal.stop().catch(() => undefined);
    for (const a of this.autotrains) await a.stop().catch(() => undefined);
    this.jobs.stop();
    await this.hub.stop().catch(() => undefined);
  }
}

export class Deployment {
  readonly ledger = new DeliveryLedger(WEBHOOK_SECRET);
  readonly workers: ManagedProcess[] = [];
  receiver!: ManagedProcess;
  receiverUrl = '';

  constructor(
    private readonly env: ChaosEnv,
    readonly dir: string,
    readonly taskQueue: string,
    private readonly configPath: string,
  ) {}

  async init(): Promise<void> {
    const port = await freePort();
    this.receiverUrl = `http://127.0.0.1:${port}`;
    this.receiver = cliProcess('receiver', 'server', { ...this.commonEnv(), PORT: String(port) }, this.dir);
  }

  private commonEnv(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.env.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      HF_ENDPOINT: this.env.hub.url,
      HF_TOKEN: CHAOS_TOKEN,
      WEBHOOK_SECRET,
      RETRAIN_CONFIG: this.configPath,
      RETRAIN_STATE_DIR: join(this.dir, 'state'),
      RETRAIN_MODELS_DIR: join(this.dir, 'models'),
      WORKFLOW_BUNDLE_PATH: bundlePath(),
      LOG_LEVEL: 'info',
    };
  }

  async startReceiver(): Promise<void> {
    await this.receiver.start(RECEIVER_READY);
  }

  /** Starts one more `hub-retrain worker` process on this deployment's task queue. */
  async startWorker(): Promise<ManagedProcess> {
    const worker = cliProcess(`worker${this.workers.length + 1}`, 'worker', this.commonEnv(), this.dir);
    this.workers.push(worker);
    await worker.start(WORKER_READY);
    return worker;
  }

  /** One delivery of `revision`; `webhookId` replaces the Hub's 24-digit id (an oversized or hostile one). */
  deliver(pipeline: PipelineUnderTest, revision: string, webhookId?: string): Promise<DeliveryRecord> {
    return this.ledger.deliver(this.receiverUrl, pipeline.name, pipeline.dataset, revision, webhookId);
  }

  deliverUntilAccepted(pipeline: PipelineUnderTest, revision: string, timeoutMs?: number): Promise<DeliveryRecord> {
    return this.ledger.deliverUntilAccepted(this.receiverUrl, pipeline.name, pipeline.dataset, revision, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.receiver?.kill9();
    for (const w of this.workers) await w.kill9();
  }
}
