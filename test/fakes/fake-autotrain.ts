/**
 * A fake AutoTrain Advanced server (../shared/spec/autotrain.md): `/api/create_project`, `/api/logs`,
 * `/api/stop_training`, `/api/version`, tokens checked against the fake Hub's users, 422 on a body the
 * real server would reject. A created project becomes a training Space on the fake Hub that builds, runs
 * and then, per its script, opens AutoTrain's outcome discussion and pauses itself (or breaks, or hangs).
 */
import express, { type Request, type Response } from 'express';
import type { FakeHub } from './fake-hub';
import { FaultPlan } from './faults';
import { listen, Timers, type Listening } from './listen';

const HARDWARE = new Set([
  'spaces-cpu-basic',
  'spaces-cpu-upgrade',
  'spaces-t4-small',
  'spaces-t4-medium',
  'spaces-a10g-small',
  'spaces-a10g-large',
  'spaces-a10g-largex2',
  'spaces-a10g-largex4',
  'spaces-a100-large',
  'spaces-l4x1',
  'spaces-l4x4',
  'spaces-l40sx1',
  'spaces-l40sx4',
  'spaces-l40sx8',
]);
const TASKS = new Set([
  'image-classification',
  'text-classification',
  'text-regression',
  'token-classification',
  'tabular-classification',
  'tabular-regression',
  'seq2seq',
  'llm:sft',
  'llm:orpo',
  'llm:dpo',
  'image-regression',
  'object-detection',
  'sentence-transformers:pair',
  'extractive-qa',
  'vlm:vqa',
]);

/** How a created project's training Space behaves. */
export interface TrainingScript {
  outcome: 'success' | 'failure' | 'runtime-error' | 'hang';
  /** Time in BUILDING before RUNNING. */
  buildMs?: number;
  /** Time in RUNNING before the outcome. */
  runMs?: number;
}

export interface FakeProject {
  projectName: string;
  jobId: string;
  body: Record<string, unknown>;
  script: TrainingScript;
  stopped: boolean;
  createdAt: number;
}

export class FakeAutotrain {
  readonly faults = new FaultPlan();
  readonly projects = new Map<string, FakeProject>();
  /** Every `stop_training` call, by job id. */
  readonly stopCalls: string[] = [];
  /** Every create_project request that reached the route (including rejected ones). */
  createRequests = 0;
  /** Script for projects created from now on (per-project overrides by name prefix in `scripts`). */
  defaultScript: TrainingScript = { outcome: 'success', buildMs: 200, runMs: 1500 };
  readonly scripts = new Map<string, TrainingScript>();
  private readonly timers = new Timers();
  private server?: Listening;
  url = '';

  constructor(private readonly hub: FakeHub) {}

  async start(): Promise<this> {
    this.server = await listen(this.app());
    this.url = this.server.url;
    return this;
  }

  async stop(): Promise<void> {
    this.timers.clear();
    await this.server?.close();
  }

  /** Projects whose name starts with `prefix`. */
  projectsStartingWith(prefix: string): FakeProject[] {
    return [...this.projects.values()].filter((p) => p.projectName.startsWith(prefix));
  }

  private authorized(req: Request): boolean {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer hf_')) return false;
    return this.hub.knowsToken(header.slice('Bearer '.length));
  }

  private run(project: FakeProject): void {
    const { jobId, script } = project;
    const [username, spaceName] = jobId.split('/') as [string, string];
    this.timers.later(script.buildMs ?? 200, () => {
      if (project.stopped) return;
      this.hub.setSpaceStage(jobId, 'RUNNING');
      if (script.outcome === 'hang') return;
      this.timers.later(script.runMs ?? 1500, () => {
        if (project.stopped || !this.hub.hasSpace(jobId)) return;
        if (script.outcome === 'runtime-error') {
          this.hub.setSpaceStage(jobId, 'RUNTIME_ERROR', 'CUDA out of memory');
          return;
        }
        if (script.outcome === 'success') {
          this.hub.addModel(`${username}/${spaceName.replace(/^autotrain-/, '')}`);
          this.hub.openDiscussion('space', jobId, 'Your training has finished successfully ✅', 'Model pushed.');
        } else {
          this.hub.openDiscussion('space', jobId, 'Your training has failed ❌', 'Check the logs.');
        }
        this.hub.setSpaceStage(jobId, 'PAUSED');
      });
    });
  }

  private app(): express.Express {
    const app = express();
    app.use(express.json());
    app.use(this.faults.middleware());
    app.use('/api', (req, res, next) => {
      if (!this.authorized(req)) return void res.status(401).json({ detail: 'Invalid or missing token' });
      next();
    });

    app.get('/api/version', (_req, res) => {
      res.json({ version: '0.8.36' });
    });

    app.post('/api/create_project', (req: Request, res: Response) => {
      this.createRequests += 1;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const problems = validateCreateProject(body);
      if (problems.length > 0) return void res.status(422).json({ detail: problems });
      const projectName = String(body.project_name);
      const username = String(body.username);
      const jobId = `${username}/autotrain-${projectName}`;
      if (this.hub.hasSpace(jobId)) return void res.status(409).json({ detail: `Space ${jobId} already exists` });
      const script =
        [...this.scripts.entries()].find(([prefix]) => projectName.startsWith(prefix))?.[1] ?? this.defaultScript;
      const project: FakeProject = { projectName, jobId, body, script, stopped: false, createdAt: Date.now() };
      this.projects.set(projectName, project);
      this.hub.createSpace(jobId, 'BUILDING', String(body.hardware).replace(/^spaces-/, ''));
      this.run(project);
      res.json({ message: 'Project created', job_id: jobId, success: true });
    });

    app.post('/api/logs', (req, res) => {
      const jid = (req.body as { jid?: unknown }).jid;
      const project = [...this.projects.values()].find((p) => p.jobId === jid);
      if (!project) return void res.json({ logs: '', success: false, message: 'job not found' });
      res.json({ logs: `INFO starting ${project.projectName}\nINFO epoch 1/3\n`, success: true, message: 'ok' });
    });

    app.post('/api/stop_training', (req, res) => {
      const jid = (req.body as { jid?: unknown }).jid;
      if (typeof jid !== 'string')
        return void res
          .status(422)
          .json({ detail: [{ loc: ['body', 'jid'], msg: 'field required', type: 'missing' }] });
      this.stopCalls.push(jid);
      const project = [...this.projects.values()].find((p) => p.jobId === jid);
      if (project) project.stopped = true;
      if (this.hub.hasSpace(jid)) this.hub.setSpaceStage(jid, 'PAUSED');
      res.json({ message: 'Training stopped', success: true });
    });

    app.use((_req, res) => {
      res.status(404).json({ detail: 'Not Found' });
    });
    return app;
  }
}

function validateCreateProject(body: Record<string, unknown>): Array<{ loc: string[]; msg: string; type: string }> {
  const problems: Array<{ loc: string[]; msg: string; type: string }> = [];
  const need = (key: string, ok: boolean, msg: string) => {
    if (!ok) problems.push({ loc: ['body', key], msg, type: 'value_error' });
  };
  const name = body.project_name;
  need(
    'project_name',
    typeof name === 'string' && /^[A-Za-z0-9-]+$/.test(name) && name.length <= 50,
    'letters, digits and - only, at most 50 characters',
  );
  need('task', typeof body.task === 'string' && TASKS.has(body.task), 'unknown task');
  need('base_model', typeof body.base_model === 'string' && body.base_model.length > 0, 'field required');
  need('hardware', typeof body.hardware === 'string' && HARDWARE.has(body.hardware), 'unknown hardware');
  need(
    'params',
    typeof body.params === 'object' && body.params !== null && !Array.isArray(body.params),
    'field required',
  );
  need('username', typeof body.username === 'string' && body.username.length > 0, 'field required');
  need('hub_dataset', typeof body.hub_dataset === 'string' && body.hub_dataset.includes('/'), 'field required');
  need('train_split', typeof body.train_split === 'string' && body.train_split.length > 0, 'field required');
  return problems;
}
