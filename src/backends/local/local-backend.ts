/**
 * The local backend: runs a trainer command on the worker's machine as a detached process whose state
 * lives on disk (see run-files.ts), so a worker restart neither kills nor repeats it, and the next
 * pollStatus (from any worker sharing the state folder) finds it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { LocalBackendOptions } from '../../config/backends';
import { revisionFiles } from '../../datasets/revision-files';
import { DATA_REPORT_FILE } from '../../datasets/data-report';
import {
  PipelineBackend,
  runNameSuffix,
  type DataRef,
  type JobRef,
  type NoticeTarget,
  type ProjectRef,
  type RunContext,
  type TrainingBackend,
  type TrainingStatus,
} from '../types';
import { type BackendDeps } from '../deps';
import { PermanentBackendError } from '../../errors';
import { currentModelDir, pinnedEvaluationSet } from './evaluation-inputs';
import { preflightTransformers } from './preflight';
import {
  runFiles,
  SUPERVISOR_NEEDS,
  withheld,
  WITHHELD_FROM_TRAINERS,
  type ExitInfo,
  type LaunchSpec,
  type SupervisorInfo,
} from './run-files';
import { readJson, writeJsonAtomic } from '../../json-files';
import { LAUNCH_STALE_MS, readLogTail, readRunStatus } from './run-status';
import {
  baselineNote,
  builtInTrainers,
  chooseTrainer,
  type BuiltInTrainers,
  type TrainerChoice,
} from './trainer-choice';

/**
 * Runs, dataset snapshots and the Hub cache live under `stateDir`; each run writes its model to
 * `<modelsDir>/<pipeline>/<revision>/`.
 */
export type LocalBackendDeps = Pick<
  BackendDeps,
  'hub' | 'hfToken' | 'stateDir' | 'modelsDir' | 'defaultTrainerCommand' | 'fetch' | 'notices'
> & {
  /** The trainers of trainers/ (the transformers trainer with its pre-flight check, the TypeScript baseline). */
  trainers?: BuiltInTrainers;
};

const SUPERVISOR_START_TIMEOUT_MS = 15_000;
const CANCEL_WAIT_MS = 10_000;

export function localRunName(run: RunContext): string {
  return `${run.pipeline.name}${runNameSuffix(run)}`;
}

export class LocalBackend extends PipelineBackend<LocalBackendDeps, LocalBackendOptions> implements TrainingBackend {
  readonly type = 'local';

  private readonly trainers: BuiltInTrainers = this.deps.trainers ?? builtInTrainers();

  runDir(projectName: string): string {
    return resolve(this.deps.stateDir, 'local-runs', projectName);
  }

  modelDir(run: RunContext): string {
    return resolve(this.deps.modelsDir, run.pipeline.name, run.revision);
  }

  async createProject(run: RunContext): Promise<ProjectRef> {
    const trainer = this.trainer();
    const command = trainer.command;
    if (trainer.kind === 'transformers') {
      // Before anything else: a base model that cannot be loaded fails the run here, in seconds.
      await preflightTransformers({
        command: this.trainers.transformersPreflight,
        baseModel: run.pipeline.input_model,
        hubEndpoint: this.deps.hub.endpoint,
        token: this.deps.hfToken,
        cwd: process.cwd(),
        env: withheld(process.env, WITHHELD_FROM_TRAINERS),
      });
    } else if (command[0]!.includes('/') && !existsSync(command[0]!)) {
      throw new PermanentBackendError(`the trainer command ${command[0]} does not exist`);
    }
    mkdirSync(resolve(this.deps.stateDir, 'local-runs'), { recursive: true });
    const projectName = localRunName(run);
    return { projectName, projectId: this.runDir(projectName), links: { model: this.modelDir(run) } };
  }

  async addData(run: RunContext, _project: ProjectRef): Promise<DataRef> {
    const { pipeline, revision } = run;
    const path = await revisionFiles(pipeline, revision, {
      stateDir: this.deps.stateDir,
      hubUrl: this.deps.hub.endpoint,
      token: this.deps.hfToken,
      fetch: this.deps.fetch,
    });
    const evalPath = await pinnedEvaluationSet(pipeline, this.deps.stateDir, {
      hubUrl: this.deps.hub.endpoint,
      token: this.deps.hfToken,
      fetch: this.deps.fetch,
    });
    return { dataset: pipeline.input_dataset, revision, detail: { path, ...(evalPath ? { evalPath } : {}) } };
  }

  async start(run: RunContext, project: ProjectRef, data: DataRef, notify?: NoticeTarget): Promise<JobRef> {
    const dir = this.runDir(project.projectName);
    const files = runFiles(dir);
    const job = this.jobRef(run, project);
    const outputDir = job.outputModel!;
    if (!this.claim(dir)) {
      await this.waitForSupervisor(dir);
      return { ...job, reused: true };
    }
    const dataDir = data.detail?.path;
    if (!dataDir) throw new PermanentBackendError('addData did not report where the dataset is');
    const current = currentModelDir(this.deps.modelsDir, run.pipeline.name);
    emptyModelFolder(outputDir); // a fresh attempt starts from an empty model folder
    const launch: LaunchSpec = {
      command: this.trainer().command,
      cwd: process.cwd(), // so a command's relative paths are the project's, as the user wrote them
      env: {
        RETRAIN_DATA_DIR: dataDir,
        RETRAIN_OUTPUT_DIR: outputDir,
        RETRAIN_BASE_MODEL: run.pipeline.input_model,
        RETRAIN_TASK: run.pipeline.task,
        RETRAIN_PARAMS: JSON.stringify(this.options.params),
        RETRAIN_PIPELINE: run.pipeline.name,
        RETRAIN_REVISION: run.revision,
        RETRAIN_DATASET: run.pipeline.input_dataset,
        // Both models are measured on the same rows by the trainer (comparison.json; issue 23).
        ...optionalEnv('RETRAIN_CURRENT_MODEL_DIR', current === outputDir ? undefined : current),
        ...optionalEnv('RETRAIN_EVAL_DATA_DIR', data.detail?.evalPath),
        // Where a Hub base model is downloaded from (the token comes from the worker's own environment).
        HF_ENDPOINT: this.deps.hub.endpoint,
      },
      createdAt: new Date().toISOString(),
      ...(notify && this.deps.notices?.temporal
        ? { notice: { ...this.deps.notices.temporal, workflowId: notify.workflowId } }
        : {}),
    };
    writeJsonAtomic(files.launch, launch);
    this.spawnSupervisor(dir);
    await this.waitForSupervisor(dir);
    return job;
  }

  /** The run folder is the job: it exists once start has claimed it. */
  async findJob(run: RunContext, project: ProjectRef): Promise<JobRef | undefined> {
    return existsSync(this.runDir(project.projectName)) ? this.jobRef(run, project) : undefined;
  }

  async status(run: RunContext, job: JobRef): Promise<TrainingStatus> {
    const status = readRunStatus(this.runDir(job.jobId), job);
    // A baseline run of a pipeline that names a base model says so in every message, the last one included.
    const note = baselineNote(this.options, run.pipeline);
    if (note) status.message = status.message ? `${status.message} (${note})` : note;
    return status;
  }

  async logTail(_run: RunContext, job: JobRef): Promise<string[]> {
    return readLogTail(runFiles(this.runDir(job.jobId)).log);
  }

  /** The CPU seconds the trainer used (its supervisor counts them when it exits, on Linux): a local run's cost is $0. */
  async runSeconds(_run: RunContext, job: JobRef): Promise<number | undefined> {
    return readJson<ExitInfo>(runFiles(this.runDir(job.jobId)).exit)?.cpuSeconds;
  }

  /** Told when its supervisor was launched with a notice target (exit-notice.ts). */
  async tellsWhenDone(_run: RunContext, job: JobRef): Promise<boolean> {
    return readJson<LaunchSpec>(runFiles(this.runDir(job.jobId)).launch)?.notice !== undefined;
  }

  async cancel(_run: RunContext, job: JobRef): Promise<void> {
    const dir = this.runDir(job.jobId);
    const files = runFiles(dir);
    if (!existsSync(dir) || existsSync(files.exit)) return;
    writeFileSync(files.cancel, new Date().toISOString());
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      if (existsSync(files.exit)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The supervisor did not react (hung, or gone): kill what we can see from this machine.
    const supervisor = readJson<SupervisorInfo>(files.supervisor);
    if (supervisor && supervisor.host === hostname()) {
      for (const pid of [-supervisor.trainerPid, supervisor.pid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      writeJsonAtomic(files.exit, {
        code: null,
        signal: 'SIGKILL',
        cancelled: true,
        finishedAt: new Date().toISOString(),
      } satisfies ExitInfo);
    }
  }

  async cleanup(run: RunContext, project: ProjectRef): Promise<void> {
    if (this.options.cleanup) rmSync(this.runDir(project.projectName), { recursive: true, force: true });
  }

  private jobRef(run: RunContext, project: ProjectRef): JobRef {
    const outputDir = this.modelDir(run);
    return { jobId: project.projectName, links: { model: outputDir }, outputModel: outputDir };
  }

  /** Creates the run folder; false when an earlier attempt owns it (a stale, never-started one is replaced). */
  private claim(dir: string): boolean {
    try {
      mkdirSync(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const files = runFiles(dir);
    const launchAge = existsSync(files.launch)
      ? Date.now() - statSync(files.launch).mtimeMs
      : Date.now() - statSync(dir).mtimeMs;
    const started = existsSync(files.supervisor) || existsSync(files.exit);
    if (!started && launchAge > LAUNCH_STALE_MS) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      return true;
    }
    return false;
  }

  private spawnSupervisor(dir: string): void {
    const script = join(__dirname, `supervisor${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
    const args = script.endsWith('.ts') ? ['-r', require.resolve('tsx/cjs'), script, dir] : [script, dir];
    const out = openSync(join(dir, 'supervisor.log'), 'a');
    try {
      const child = spawn(process.execPath, args, {
        detached: true,
        stdio: ['ignore', out, out],
        env: supervisorEnv(),
      });
      child.unref();
    } finally {
      closeSync(out);
    }
  }

  private async waitForSupervisor(dir: string): Promise<void> {
    const files = runFiles(dir);
    const deadline = Date.now() + SUPERVISOR_START_TIMEOUT_MS;
    while (!existsSync(files.supervisor) && !existsSync(files.exit)) {
      if (Date.now() > deadline)
        throw new Error(`the trainer supervisor in ${dir} did not start within ${SUPERVISOR_START_TIMEOUT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private trainer(): TrainerChoice {
    const choice = chooseTrainer(this.options, this.trainers);
    if (choice.kind !== 'command' && this.deps.defaultTrainerCommand)
      return { kind: 'command', command: this.deps.defaultTrainerCommand };
    return choice;
  }
}

/** Empties (or makes) a run's model folder, but for the data checks' report, which stays beside the model. */
function emptyModelFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (name !== DATA_REPORT_FILE) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

const optionalEnv = (name: string, value: string | undefined): Record<string, string> =>
  value === undefined ? {} : { [name]: value };

/** The worker's environment, less what a trainer must never see, but with what tells its run (run-files.ts). */
function supervisorEnv(): NodeJS.ProcessEnv {
  return withheld(
    process.env,
    WITHHELD_FROM_TRAINERS.filter((name) => !SUPERVISOR_NEEDS.has(name)),
  );
}
