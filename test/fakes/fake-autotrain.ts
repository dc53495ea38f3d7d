/**
 * A fake AutoTrain Advanced server (../shared/spec/autotrain.md), refusing what the real one refuses. Each
 * rule names where it comes from: huggingface/autotrain-advanced `src/autotrain/app/api_routes.py`
 * (`APICreateProjectModel`, `api_auth`, `api_create_project`, `api_stop_training`, `api_logs`),
 * `src/autotrain/trainers/common.py` (`AutoTrainParams.__init__`: project names) and
 * `src/autotrain/backends/spaces.py` (`SpaceRunner.create`: the training Space).
 *
 * A created project becomes a private training Space on the fake Hub that builds, then (as AutoTrain's trainer
 * does, `load_dataset(data_path, split=...)` with no revision) reads `hub_dataset` at whatever `main` holds at
 * that moment, runs, and per its script opens AutoTrain's outcome discussion and pauses itself (or breaks, or
 * hangs). It never reads a revision: what it read is recorded in `project.read`.
 */
import express, { type Request, type Response } from 'express';
import type { FakeHub } from './fake-hub';
import type { FileContent } from './fake-repos';
import { FaultPlan } from './faults';
import { TimedFake } from './listen';

/** `APICreateProjectModel.hardware` (api_routes.py). */
const HARDWARE = new Set([
  'spaces-a10g-large',
  'spaces-a10g-small',
  'spaces-a100-large',
  'spaces-t4-medium',
  'spaces-t4-small',
  'spaces-cpu-upgrade',
  'spaces-cpu-basic',
  'spaces-l4x1',
  'spaces-l4x4',
  'spaces-l40sx1',
  'spaces-l40sx4',
  'spaces-l40sx8',
  'spaces-a10g-largex2',
  'spaces-a10g-largex4',
]);

/**
 * `APICreateProjectModel.task` and, per task, the keys `validate_column_mapping` requires (api_routes.py).
 * There are no server-side defaults: a task with keys needs a column_mapping that has them all.
 */
export const COLUMN_MAPPING_KEYS: Record<string, readonly string[]> = {
  'llm:sft': ['text_column'],
  'llm:dpo': ['text_column', 'rejected_text_column', 'prompt_text_column'],
  'llm:orpo': ['text_column', 'rejected_text_column', 'prompt_text_column'],
  'llm:generic': ['text_column'],
  'llm:reward': ['text_column', 'rejected_text_column'],
  'st:pair': ['sentence1_column', 'sentence2_column'],
  'st:pair_class': ['sentence1_column', 'sentence2_column', 'target_column'],
  'st:pair_score': ['sentence1_column', 'sentence2_column', 'target_column'],
  'st:triplet': ['sentence1_column', 'sentence2_column', 'sentence3_column'],
  'st:qa': ['sentence1_column', 'sentence2_column'],
  'image-classification': ['image_column', 'target_column'],
  seq2seq: ['text_column', 'target_column'],
  'token-classification': ['tokens_column', 'tags_column'],
  'text-classification': ['text_column', 'target_column'],
  'text-regression': ['text_column', 'target_column'],
  'tabular-classification': ['id_column', 'target_columns'],
  'tabular-regression': ['id_column', 'target_columns'],
  'image-regression': ['image_column', 'target_column'],
  'vlm:captioning': ['image_column', 'text_column', 'prompt_text_column'],
  'vlm:vqa': ['image_column', 'text_column', 'prompt_text_column'],
  'extractive-question-answering': ['text_column', 'question_column', 'answer_column'],
  'image-object-detection': ['image_column', 'objects_column'],
};

/** How a created project's training Space behaves. */
export interface TrainingScript {
  outcome: 'success' | 'failure' | 'runtime-error' | 'hang';
  /** Time in BUILDING before RUNNING. */
  buildMs?: number;
  /** The build also waits for this (a test that acts while the Space builds opens it). */
  buildUntil?: Promise<unknown>;
  /** Time in RUNNING before the outcome. */
  runMs?: number;
  /**
   * The files a successful training pushes to `<username>/<project_name>` (a model folder saved with
   * save_pretrained: config.json, weights, tokenizer); without them the repo holds a README only.
   */
  modelFiles?: Record<string, FileContent>;
}

/** What the trainer read when it started: `hub_dataset` at the head of its main branch then. */
export interface DatasetRead {
  dataset: string;
  sha: string;
  /** Path -> content of every file it saw. */
  files: ReadonlyMap<string, Buffer>;
}

export interface FakeProject {
  projectName: string;
  jobId: string;
  body: Record<string, unknown>;
  script: TrainingScript;
  createdAt: number;
  read?: DatasetRead;
}

type Problem = { type: string; loc: Array<string | number>; msg: string; input?: unknown };

export class FakeAutotrain extends TimedFake {
  readonly faults = new FaultPlan();
  readonly projects = new Map<string, FakeProject>();
  /** Every `stop_training` call, by job id. */
  readonly stopCalls: string[] = [];
  /** Every create_project request that reached the route (including rejected ones). */
  createRequests = 0;
  /** Script for projects created from now on (per-project overrides by name prefix in `scripts`). */
  defaultScript: TrainingScript = { outcome: 'success', buildMs: 200, runMs: 1500 };
  readonly scripts = new Map<string, TrainingScript>();
  /**
   * The route forms of `/api/logs` and `/api/stop_training`: `post` (`{"jid"}` in the body, newer versions) or
   * `get` (`?job_id=`, older ones). Each version serves one form only.
   */
  routeForm: 'post' | 'get' = 'post';
  /** The next N creates do their work (the Space exists), then the connection drops: the answer is lost. */
  loseCreateAnswers = 0;

  constructor(private readonly hub: FakeHub) {
    super();
  }

  /**
   * Ends a running training now, as its trainer would have (`pause_space` in autotrain-advanced's
   * `trainers/common.py`: the outcome discussion on the Space, then the pause): for a `hang` script, when a test
   * or a benchmark decides.
   */
  end(jobId: string, outcome: 'success' | 'failure' = 'success'): void {
    const project = [...this.projects.values()].find((p) => p.jobId === jobId);
    if (!project) throw new Error(`no project with the Space ${jobId}`);
    if (!this.stillAt(project, 'RUNNING')) throw new Error(`the Space ${jobId} is not running`);
    this.finish(project, outcome);
  }

  /** Projects whose name starts with `prefix`. */
  projectsStartingWith(prefix: string): FakeProject[] {
    return [...this.projects.values()].filter((p) => p.projectName.startsWith(prefix));
  }

  /**
   * `api_auth` (api_routes.py): a `Bearer` header (the scheme in any case) whose token the Hub's whoami-v2
   * accepts; otherwise 401 with `{"detail": ...}`.
   */
  private checkToken(req: Request, res: Response): string | undefined {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, ...rest] = header.split(' ');
      const token = rest.join(' ').trim();
      if (scheme?.toLowerCase() === 'bearer') {
        if (token.startsWith('hf_') && this.hub.knowsToken(token)) return token;
        res.status(401).json({ detail: 'Invalid or expired token: Bearer' });
        return undefined;
      }
    }
    res.status(401).json({ detail: 'Invalid or expired token' });
    return undefined;
  }

  /** Whether the Space is still where this script left it (the Hub may have paused or deleted it meanwhile). */
  private stillAt(project: FakeProject, stage: string): boolean {
    return this.hub.spaceStage(project.jobId) === stage;
  }

  private run(project: FakeProject): void {
    const { jobId, script } = project;
    const built = Promise.all([
      new Promise<void>((resolve) => this.timers.later(script.buildMs ?? 200, resolve)),
      script.buildUntil,
    ]);
    void built.then(() => {
      if (!this.stillAt(project, 'BUILDING')) return;
      this.hub.setSpaceStage(jobId, 'RUNNING');
      const problem = this.readDataset(project);
      if (problem) return this.hub.setSpaceStage(jobId, 'RUNTIME_ERROR', problem);
      if (script.outcome === 'hang') return;
      this.timers.later(script.runMs ?? 1500, () => {
        if (!this.stillAt(project, 'RUNNING')) return;
        if (script.outcome === 'runtime-error') {
          this.hub.setSpaceStage(jobId, 'RUNTIME_ERROR', 'CUDA out of memory');
          return;
        }
        this.finish(project, script.outcome === 'success' ? 'success' : 'failure');
      });
    });
  }

  private finish(project: FakeProject, outcome: 'success' | 'failure'): void {
    const { jobId } = project;
    const [username, spaceName] = jobId.split('/') as [string, string];
    if (outcome === 'success') {
      const model = `${username}/${spaceName.replace(/^autotrain-/, '')}`;
      this.hub.addModel(model);
      // The trainer's push_to_hub (autotrain-advanced `trainers/text_classification/__main__.py`: create_repo,
      // then upload_folder of the output folder) before it posts its outcome.
      if (project.script.modelFiles) this.hub.commitFiles('model', model, project.script.modelFiles, 'Upload folder');
      this.hub.openDiscussion('space', jobId, 'Your training has finished successfully ✅', 'Model pushed.', username);
    } else {
      this.hub.openDiscussion('space', jobId, 'Your training has failed ❌', 'Check the logs.', username);
    }
    this.hub.setSpaceStage(jobId, 'PAUSED');
  }

  /**
   * The trainer's `load_dataset(hub_dataset, split=train_split)`: main as it is now, and the mapped columns
   * must exist (the trainer indexes the dataset by them). Returns the error the Space would break with.
   */
  private readDataset(project: FakeProject): string | undefined {
    const dataset = String(project.body.hub_dataset);
    const repo = this.hub.repos.get('dataset', dataset);
    if (!repo) return `DatasetNotFoundError: Dataset '${dataset}' doesn't exist on the Hub or cannot be accessed.`;
    const head = this.hub.repos.head('dataset', dataset);
    project.read = { dataset, sha: head.sha, files: head.files };
    const columns = datasetColumns(head.files);
    const mapping = (project.body.column_mapping ?? {}) as Record<string, unknown>;
    const mapped = Object.values(mapping).flatMap((c) =>
      typeof c === 'string' ? [c] : Array.isArray(c) ? c.map(String) : [],
    );
    const missing = mapped.find((c) => !columns.includes(c));
    return missing === undefined ? undefined : `KeyError: '${missing}' (columns: ${columns.join(', ')})`;
  }

  private stopTraining(jid: unknown, req: Request, res: Response): void {
    if (typeof jid !== 'string' || jid === '') {
      res.status(422).json({ detail: [{ type: 'missing', loc: ['body', 'jid'], msg: 'Field required' }] });
      return;
    }
    this.stopCalls.push(jid);
    // `api_stop_training` only calls the Hub's pause_space with the caller's token, and reports a failure as
    // 200 {"success": false}.
    void fetch(`${this.hub.url}/api/spaces/${jid}/pause`, {
      method: 'POST',
      headers: { authorization: req.headers.authorization ?? '' },
    }).then(
      async (paused) => {
        if (!paused.ok) {
          const why = await paused.text();
          return void res.json({
            message: `Failed to stop training for ${jid}: ${paused.status} ${why}`,
            success: false,
          });
        }
        res.json({ message: `Training stopped for ${jid}`, success: true });
      },
      (err: Error) => void res.json({ message: `Failed to stop training for ${jid}: ${err.message}`, success: false }),
    );
  }

  private logs(jid: unknown, res: Response): void {
    const project = [...this.projects.values()].find((p) => p.jobId === jid);
    if (!project) return void res.json({ logs: '', success: false, message: 'Failed to fetch logs' });
    res.json({
      logs: `INFO starting ${project.projectName}\nINFO epoch 1/3\n`,
      success: true,
      message: 'Logs fetched successfully',
    });
  }

  protected app(): express.Express {
    const app = express();
    app.use(express.json());
    app.use(this.faults.middleware());

    // `api_version` has no auth dependency.
    app.get('/api/version', (_req, res) => {
      res.json({ version: '0.8.36' });
    });

    app.use('/api', (req, res, next) => {
      if (this.checkToken(req, res)) next();
    });

    app.post('/api/create_project', (req: Request, res: Response) => {
      this.createRequests += 1;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const refused = refuseCreateProject(body);
      if (refused?.status === 422) return void res.status(422).json({ detail: refused.problems });
      // What the route does not validate fails inside it (a KeyError, a ValueError from AutoTrainParams, the
      // Hub's 409 from create_repo): FastAPI answers a bare 500.
      if (refused) return void res.status(500).type('text/plain').send('Internal Server Error');
      const projectName = String(body.project_name);
      const username = String(body.username);
      const jobId = `${username}/autotrain-${projectName}`;
      // SpaceRunner.create: create_repo without exist_ok, so a Space that exists is the Hub's 409 -> 500.
      if (this.hub.hasSpace(jobId)) return void res.status(500).type('text/plain').send('Internal Server Error');
      const script =
        [...this.scripts.entries()].find(([prefix]) => projectName.startsWith(prefix))?.[1] ?? this.defaultScript;
      const project: FakeProject = { projectName, jobId, body, script, createdAt: Date.now() };
      this.projects.set(projectName, project);
      this.hub.createSpace(jobId, 'BUILDING', String(body.hardware).replace(/^spaces-/, ''), { private: true });
      this.run(project);
      if (this.loseCreateAnswers > 0) {
        this.loseCreateAnswers -= 1;
        return void req.socket.destroy();
      }
      res.json({ message: 'Project created', job_id: jobId, success: true });
    });

    if (this.routeForm === 'post') {
      app.post('/api/logs', (req, res) => this.logs((req.body as { jid?: unknown }).jid, res));
      app.post('/api/stop_training', (req, res) => this.stopTraining((req.body as { jid?: unknown }).jid, req, res));
    } else {
      app.get('/api/logs', (req, res) => this.logs(req.query.job_id, res));
      app.get('/api/stop_training', (req, res) => this.stopTraining(req.query.job_id, req, res));
    }

    app.use((_req, res) => {
      res.status(404).json({ detail: 'Not Found' });
    });
    return app;
  }
}

/** Numeric params of the trainers' params models (autotrain trainers' params.py) that a wrong type makes a 422. */
const PARAM_TYPES: Record<string, 'int' | 'float'> = { epochs: 'int', batch_size: 'int', lr: 'float' };

const REQUIRED = ['project_name', 'task', 'base_model', 'hardware', 'username', 'hub_dataset', 'train_split'];

/**
 * Why the real server would refuse this body: 422 with pydantic's `detail` list for what
 * `APICreateProjectModel` validates, 500 for what fails later inside the route.
 */
export function refuseCreateProject(
  body: Record<string, unknown>,
): { status: 422; problems: Problem[] } | { status: 500; why: string } | undefined {
  // `validate_params` (a before-validator, run first) reads values["params"]: a KeyError, not a validation error.
  if (!('params' in body)) return { status: 500, why: 'KeyError: params' };
  const problems: Problem[] = [];
  const task = body.task;
  if (typeof task === 'string' && task in COLUMN_MAPPING_KEYS) {
    const mapping = body.column_mapping;
    const keys = COLUMN_MAPPING_KEYS[task]!;
    if (typeof mapping !== 'object' || mapping === null || Object.keys(mapping).length === 0) {
      problems.push(valueError(`column_mapping is required for ${task}`));
    } else {
      const missing = keys.find((k) => !(mapping as Record<string, unknown>)[k]);
      if (missing) problems.push(valueError(`${missing} is required for ${task}`));
    }
    if (problems.length > 0) return { status: 422, problems }; // the model validator stops validation
  }
  for (const key of REQUIRED) {
    if (body[key] === undefined) problems.push({ type: 'missing', loc: ['body', key], msg: 'Field required' });
    else if (typeof body[key] !== 'string')
      problems.push({
        type: 'string_type',
        loc: ['body', key],
        msg: 'Input should be a valid string',
        input: body[key],
      });
  }
  if (typeof task === 'string' && !(task in COLUMN_MAPPING_KEYS)) {
    problems.push({ type: 'literal_error', loc: ['body', 'task'], msg: 'Input should be a known task', input: task });
  }
  const hardware = body.hardware;
  if (typeof hardware === 'string' && !HARDWARE.has(hardware)) {
    const allowed = [...HARDWARE].map((h) => `'${h}'`).join(', ');
    problems.push({
      type: 'literal_error',
      loc: ['body', 'hardware'],
      msg: `Input should be ${allowed}`,
      input: hardware,
    });
  }
  const params = body.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    problems.push({ type: 'model_type', loc: ['body', 'params'], msg: 'Input should be a valid dictionary' });
  } else {
    // The task's params model (e.g. ImageClassificationParams: epochs and batch_size are int, lr a float).
    for (const [key, type] of Object.entries(PARAM_TYPES)) {
      const value = (params as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const ok = type === 'int' ? Number.isInteger(value) : typeof value === 'number';
      if (!ok)
        problems.push({
          type: `${type}_parsing`,
          loc: ['body', 'params', key],
          msg: `Input should be a valid ${type === 'int' ? 'integer' : 'number'}`,
          input: value,
        });
    }
  }
  if (problems.length > 0) return { status: 422, problems };
  // AutoTrainParams.__init__ (trainers/common.py), reached from AppParams.munge inside the route.
  const name = String(body.project_name);
  if (name.length > 0 && !/^[\p{L}\p{N}]+$/u.test(name.replace(/-/g, ''))) {
    return { status: 500, why: 'project_name must be alphanumeric but can contain hyphens' };
  }
  if (name.length > 50) return { status: 500, why: 'project_name cannot be more than 50 characters' };
  return undefined;
}

function valueError(message: string): Problem {
  return { type: 'value_error', loc: ['body'], msg: `Value error, ${message}` };
}

/**
 * The columns `datasets` gives a repo's files: the README's `dataset_info.features` when it declares them,
 * else the header of the first CSV, else `image` and `label` for images in `<split>/<label>/` folders.
 */
export function datasetColumns(files: ReadonlyMap<string, Buffer>): string[] {
  const readme = files.get('README.md')?.toString('utf8') ?? '';
  const declared = [...readme.matchAll(/^\s*-\s*name:\s*([\w.-]+)\s*$/gm)].map((m) => m[1]!);
  if (/dataset_info:/.test(readme) && declared.length > 0) return declared;
  const csv = [...files.keys()].sort().find((p) => p.endsWith('.csv'));
  if (csv) {
    const header = files.get(csv)!.toString('utf8').split(/\r?\n/)[0] ?? '';
    return header.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  }
  const images = [...files.keys()].filter((p) => /\.(png|jpe?g|webp)$/i.test(p) && p.split('/').length >= 2);
  return images.length > 0 ? ['image', 'label'] : [];
}
