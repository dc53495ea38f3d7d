/**
 * kill -9 of the worker while it is inside each step. Eight runs, each held by a fake inside a different
 * step (createProject, addData, startProcessing for AutoTrain and for Jobs, a status check, notify, and the
 * compensation's stop of a failed and of a cancelled run), are in flight when the one worker process is
 * killed; the held requests then go on
 * (the server did the work, the answer reaches no one), and a new worker process takes over.
 *
 * Each hold is on the request the step really makes: AutoTrain's stop is a pause of the training Space through
 * the Hub (AutotrainBackend.cancel), not AutoTrain's stop_training, so the compensations are held at the Hub.
 */
import type { Fault, FaultPlan } from '../fakes/faults';
import { RUN_NAME_REVISION_DIGITS } from '../../src/backends/types';
import { retrainWorkflowId } from '../../src/workflows/definitions';
import { finishedAttempts } from './harness/history';
import type { InvariantResult } from './harness/invariants';
import { check, finishScenario, failLostAttempt, type RowSpec } from './harness/scenario';
import { CHAOS_USER, ChaosEnv, type Deployment, type PipelineUnderTest } from './harness/stack';
import { eventually } from '../helpers/temporal';
import { gate, type Gate } from './harness/wait';
import { AUTOTRAIN_PROJECT_NAME_MAX } from '../../src/backends/autotrain/training-space';

let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start('worker-kill');
});

afterAll(async () => {
  await env?.stop();
});

interface KillCase {
  row: RowSpec;
  pipeline: PipelineUnderTest;
  revision: string;
  /** The activity the killed worker was running; undefined: wait for the real timeout. */
  lostActivity?: string;
  fault: Fault;
  plan: FaultPlan;
  gate: Gate;
  /** What else must happen, once the run was delivered, to bring it into its step. */
  meanwhile?: (deployment: Deployment) => Promise<void>;
}

/**
 * The Hub's `POST /api/spaces/{id}/pause` of the training Space of this pipeline's run of `revision`: the
 * Space is `<namespace>/autotrain-<prefix><runNameSuffix>`, and the chaos pipelines' prefix is their name.
 */
function pauseOf(p: PipelineUnderTest, revision: string): Fault['path'] {
  const space = `${CHAOS_USER}/autotrain-${p.name}-${revision.slice(0, RUN_NAME_REVISION_DIGITS)}`;
  return new RegExp(`^/api/spaces/${space}(?:-r\\d+)?/pause$`);
}

const SHORTCUT =
  'held by the fake inside the step, worker killed, request released (the server does the work, the answer is lost); the lost attempt is failed through Temporal instead of waiting for its 2-minute startToCloseTimeout; a new worker process takes over';

test('a worker killed -9 inside each step: a new worker finishes every run exactly once', async () => {
  const startedAt = Date.now();
  const cases: KillCase[] = [];
  const add = async (
    order: number,
    step: string,
    options: Parameters<ChaosEnv['pipeline']>[1],
    faultFor: (p: PipelineUnderTest, revision: string, held: Gate) => Fault,
    target: (p: PipelineUnderTest) => FaultPlan,
    lostActivity: string | undefined,
    how = SHORTCUT,
  ) => {
    const pipeline = await env.pipeline(`kill-${step.toLowerCase().replace(/[^a-z]+/g, '-')}`, options);
    const revision = env.hub.pushCommit(pipeline.dataset);
    const held = gate();
    const fault = faultFor(pipeline, revision, held);
    const plan = target(pipeline).add(fault);
    cases.push({
      row: { order, fault: `kill -9 during ${step}`, how },
      pipeline,
      revision,
      lostActivity,
      fault,
      plan,
      gate: held,
    });
  };
  const autotrainOf = (p: PipelineUnderTest) => p.autotrain!.faults;
  const hub = () => env.hub.faults;

  await add(
    10,
    'createProject',
    {},
    (_p, _r, g) => ({ method: 'GET', path: '/api/version', times: 1, hold: g.promise }),
    autotrainOf,
    'createProject',
  );
  await add(
    11,
    'addData',
    {},
    (p, r, g) => ({
      method: 'GET',
      path: `/api/datasets/${p.dataset}/revision/${r}`,
      // addData's own request (it reads the card too), not the data checks' snapshot download before it.
      when: (req) => req.originalUrl.includes('expand=cardData'),
      times: 1,
      hold: g.promise,
    }),
    hub,
    'addData',
  );
  await add(
    12,
    'startProcessing',
    {},
    (_p, _r, g) => ({ method: 'POST', path: '/api/create_project', times: 1, hold: g.promise }),
    autotrainOf,
    'startProcessing',
  );
  await add(
    13,
    'startProcessing (Jobs)',
    { backend: 'hf-jobs' },
    (_p, _r, g) => ({ method: 'POST', path: /^\/api\/jobs\/acme$/, times: 1, hold: g.promise }),
    () => env.jobs.faults,
    'startProcessing',
  );
  await add(
    14,
    'a status check (awaitTraining)',
    { script: { outcome: 'success', buildMs: 100, runMs: 1500 } },
    // A check reads the training Space's discussions (where AutoTrain posts the outcome) once it runs, not its log.
    (p, r, g) => ({
      method: 'GET',
      path: new RegExp(`^/api/spaces/[^/]+/${trainingSpaceName(p.name, r)}/discussions$`),
      times: 1,
      hold: g.promise,
    }),
    hub,
    undefined,
    "held by the fake Hub inside a status check (its read of the training Space's discussions), worker killed, request released; nothing else done: Temporal retries the lost check when its 1-minute startToCloseTimeout expires, on the new worker process",
  );
  await add(
    15,
    'notify',
    {},
    (p, _r, g) => ({ method: 'POST', path: `/api/datasets/${p.dataset}/discussions`, times: 1, hold: g.promise }),
    hub,
    'notify',
  );
  await add(
    16,
    'compensation',
    { script: { outcome: 'runtime-error', buildMs: 100, runMs: 500 } },
    (p, r, g) => ({ method: 'POST', path: pauseOf(p, r), times: 1, hold: g.promise }),
    hub,
    'stopTraining',
    "training fails (the Space breaks); the compensation's pause of the training Space is held by the fake Hub, worker killed, request released; the lost attempt is failed through Temporal; a new worker process takes over",
  );

  // A run cancelled by a newer revision (on_new_revision: cancel) compensates as well: hold its stop.
  {
    const pipeline = await env.pipeline('kill-cancelled', {
      script: { outcome: 'hang', buildMs: 100 },
      config: { on_new_revision: 'cancel' },
    });
    const revision = env.hub.pushCommit(pipeline.dataset);
    const held = gate();
    const fault: Fault = { method: 'POST', path: pauseOf(pipeline, revision), times: 1, hold: held.promise };
    cases.push({
      row: {
        order: 17,
        fault: 'kill -9 during compensation of a cancelled run',
        how: 'on_new_revision "cancel": a newer revision arrives while the first trains; the cancelled run\'s pause of its training Space is held by the fake Hub, worker killed, request released; the lost attempt is failed through Temporal; a new worker process takes over',
      },
      pipeline,
      revision,
      lostActivity: 'stopTraining',
      fault,
      plan: env.hub.faults.add(fault),
      gate: held,
      meanwhile: async (deployment) => {
        const space = await eventually(
          () => pipeline.autotrain!.projects.values().next().value?.jobId,
          60_000,
          'the first Space',
        );
        await eventually(
          () => (env.hub.spaceStage(space) === 'RUNNING' ? true : undefined),
          60_000,
          'the first Space to run',
        );
        pipeline.autotrain!.defaultScript = { outcome: 'success', buildMs: 100, runMs: 800 };
        expect((await deployment.deliver(pipeline, env.hub.pushCommit(pipeline.dataset))).status).toBe(202);
      },
    });
  }

  const deployment = await env.deployment(
    cases.map((c) => c.pipeline),
    'kill',
  );
  await deployment.startReceiver();
  const first = await deployment.startWorker();
  const killedPid = first.pid;
  for (const c of cases) expect((await deployment.deliver(c.pipeline, c.revision)).status).toBe(202);
  await Promise.all(cases.map((c) => (c.meanwhile ? c.meanwhile(deployment) : Promise.resolve())));

  // Every run is inside its step, its request held by a fake.
  await eventually(
    () => (cases.every((c) => c.plan.hits(c.fault.path) > 0) ? true : undefined),
    120_000,
    'every run to be held inside its step',
  ).catch((err: Error) => {
    const notHeld = cases.filter((c) => c.plan.hits(c.fault.path) === 0).map((c) => c.row.fault);
    throw new Error(`${err.message}; never held: ${notHeld.join(', ')}\n${first.output().slice(-3000)}`);
  });

  await first.kill9();
  for (const c of cases) c.gate.open();
  for (const c of cases) {
    if (c.lostActivity) await failLostAttempt(env.client, c.pipeline, c.revision, c.lostActivity);
  }
  await deployment.startWorker();

  const failures: string[] = [];
  for (const c of cases) {
    const failed = await finishScenario(env, c.row, [c.pipeline], deployment.ledger.records, startedAt, () =>
      lostAttemptRetried(c, killedPid),
    );
    failures.push(...failed.map((f) => `${c.row.fault}: ${f.name}: ${f.detail}`));
  }
  expect(failures).toEqual([]);
}, 300_000);

/** From the run's history: the step the worker died in was attempted again, by another worker, and finished. */
async function lostAttemptRetried(c: KillCase, killedPid: number | undefined): Promise<InvariantResult[]> {
  const step = c.lostActivity ?? (c.row.fault.includes('awaitTraining') ? 'awaitTraining' : '');
  const attempts = await finishedAttempts(env.client, retrainWorkflowId(c.pipeline.name, c.revision), step);
  const retried = attempts.find((a) => a.attempt >= 2);
  const elsewhere = retried !== undefined && !retried.identity.startsWith(`${killedPid}@`);
  return [
    check(
      `the lost ${step} attempt was retried by the new worker`,
      elsewhere,
      retried ? `attempt ${retried.attempt} by ${retried.identity}` : `no retried ${step} in the history`,
    ),
  ];
}

/** `autotrain-<project>` of a run's first attempt: the prefix (the pipeline's name) cut to fit AutoTrain's 50. */
function trainingSpaceName(prefix: string, revision: string): string {
  const suffix = `-${revision.slice(0, 12)}`;
  return `autotrain-${prefix.slice(0, AUTOTRAIN_PROJECT_NAME_MAX - suffix.length)}${suffix}`;
}
