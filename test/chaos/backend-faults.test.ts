/**
 * Backends and the Hub misbehaving while training is in flight: 429 with Retry-After, bursts of 500, 200 with
 * malformed JSON, answers slower than our client waits (the server still does the work), and requests or
 * trainings that hang. One receiver and one worker process serve every pipeline; each pipeline has its own
 * fault, and they all run at once.
 */
import { RUN_NAME_REVISION_DIGITS } from '../../src/backends/types';
import type { Fault, FaultPlan, SeenRequest } from '../fakes/faults';
import { finishScenario, check, type RowSpec } from './harness/scenario';
import type { InvariantResult } from './harness/invariants';
import { ChaosEnv, type PipelineOptions, type PipelineUnderTest } from './harness/stack';

let env: ChaosEnv;

beforeAll(async () => {
  env = await ChaosEnv.start('backend-faults');
});

afterAll(async () => {
  await env?.stop();
});

const JOB = /^\/api\/jobs\/acme\/[0-9a-f]{24}$/;
const CREATE_JOB = /^\/api\/jobs\/acme$/;
const never = new Promise<void>(() => {});
/** A pipeline's status checks on AutoTrain: GET its training Space's runtime (`autotrain-<name><runNameSuffix>`). */
const spaceRuntime = (p: { name: string }) =>
  new RegExp(`^/api/spaces/acme/autotrain-${p.name}-[0-9a-f]{${RUN_NAME_REVISION_DIGITS}}/runtime$`);

/** The faults of the case being set up; each must have taken its requests by the end. */
const injected: Array<{ plan: FaultPlan; fault: Fault }> = [];
function inject(plan: FaultPlan, fault: Fault): void {
  plan.add(fault);
  injected.push({ plan, fault });
}

/** Every fault of a case hit as often as it was meant to (else the row would pass without its fault). */
function allHit(faults: Array<{ plan: FaultPlan; fault: Fault }>): InvariantResult {
  const missed = faults.filter(({ plan, fault }) => plan.hitsOf(fault) < fault.times);
  return check(
    'every injected fault was hit',
    missed.length === 0,
    missed.length === 0
      ? `${faults.length} faults, ${faults.reduce((n, f) => n + f.plan.hitsOf(f.fault), 0)} requests answered by them`
      : missed
          .map(({ plan, fault }) => `${fault.method} ${String(fault.path)}: ${plan.hitsOf(fault)}/${fault.times}`)
          .join('; '),
  );
}

interface FaultCase {
  row: RowSpec;
  pipelines: PipelineUnderTest[];
  /** The scenario's own checks, after the invariants. */
  extra?: () => InvariantResult[];
  faults?: Array<{ plan: FaultPlan; fault: Fault }>;
}

/** After each 429 with `Retry-After: s`, the pipeline's next same request came at least s seconds later. */
function honoursRetryAfter(
  plan: FaultPlan,
  what: string,
  same: (r: SeenRequest) => boolean,
  seconds: number,
): InvariantResult {
  const seen = plan.seen.filter(same);
  const gaps: number[] = [];
  seen.forEach((r, i) => {
    const next = seen[i + 1];
    if (r.faultStatus === 429 && next) gaps.push(next.at - r.at);
  });
  const held = gaps.length > 0 && gaps.every((g) => g >= seconds * 1000 - 250);
  return check(
    `Retry-After honoured (${what})`,
    held,
    gaps.length === 0
      ? 'no retry seen after a 429'
      : `next request ${gaps.map((g) => `${(g / 1000).toFixed(1)} s`).join(', ')} after the 429`,
  );
}

test('backends that answer 429, 500 bursts, malformed JSON, time out or hang: every run ends exactly once', async () => {
  const startedAt = Date.now();
  const cases: FaultCase[] = [];
  const pipeline = (label: string, options?: PipelineOptions) => env.pipeline(label, options);

  // 429 with Retry-After: AutoTrain's create_project, the Hub's dataset info (addData), Jobs' create.
  {
    const at = await pipeline('rate-at');
    const revisionInfo = new RegExp(`^/api/datasets/${at.dataset}/revision/[0-9a-f]{40}$`);
    inject(at.autotrain!.faults, { method: 'POST', path: '/api/create_project', times: 2, status: 429, retryAfter: 3 });
    inject(env.hub.faults, {
      method: 'GET',
      path: revisionInfo,
      times: 1,
      status: 429,
      retryAfter: 2,
    });
    const notices = `/api/datasets/${at.dataset}/discussions`;
    inject(env.hub.faults, { method: 'POST', path: notices, times: 1, status: 429, retryAfter: 2 });
    const jobs = await pipeline('rate-jobs', { backend: 'hf-jobs' });
    inject(env.jobs.faults, {
      method: 'POST',
      path: CREATE_JOB,
      when: env.jobsOf(jobs),
      times: 2,
      status: 429,
      retryAfter: 3,
    });
    cases.push({
      faults: injected.splice(0),
      row: {
        order: 30,
        fault: 'backend answers 429 with Retry-After',
        how: 'AutoTrain create_project 429 ×2 (Retry-After: 3), Hub dataset revision and discussion POST 429 ×1 each (Retry-After: 2), Jobs create 429 ×2 (Retry-After: 3)',
      },
      pipelines: [at, jobs],
      extra: () => [
        honoursRetryAfter(at.autotrain!.faults, 'AutoTrain create_project', (r) => r.path === '/api/create_project', 3),
        honoursRetryAfter(env.hub.faults, 'Hub dataset revision', (r) => revisionInfo.test(r.path), 2),
        honoursRetryAfter(env.hub.faults, 'Hub discussion POST', (r) => r.method === 'POST' && r.path === notices, 2),
        honoursRetryAfter(
          env.jobs.faults,
          'Jobs create',
          (r) => r.method === 'POST' && CREATE_JOB.test(r.path) && env.jobsOf(jobs)(r),
          3,
        ),
      ],
    });
  }

  // Bursts of 500: create, status checks, the announcement.
  {
    const at = await pipeline('burst-at');
    inject(at.autotrain!.faults, { method: 'POST', path: '/api/create_project', times: 2, status: 500 });
    inject(env.hub.faults, {
      method: 'GET',
      path: spaceRuntime(at),
      when: () => at.autotrain!.projects.size > 0, // status checks, once the Space exists
      times: 4,
      status: 500,
    });
    inject(env.hub.faults, { method: 'POST', path: `/api/datasets/${at.dataset}/discussions`, times: 3, status: 503 });
    const jobs = await pipeline('burst-jobs', { backend: 'hf-jobs' });
    inject(env.jobs.faults, { method: 'GET', path: JOB, when: env.jobsOf(jobs), times: 4, status: 500 });
    cases.push({
      faults: injected.splice(0),
      row: {
        order: 31,
        fault: 'backend answers bursts of 500',
        how: 'AutoTrain create_project 500 ×2, Hub Space runtime 500 ×4, Hub discussion POST 503 ×3, Jobs status 500 ×4',
      },
      pipelines: [at, jobs],
    });
  }

  // 200 with malformed JSON: the server's answer is unusable (and it did nothing).
  {
    const at = await pipeline('garbled-at');
    inject(at.autotrain!.faults, {
      method: 'POST',
      path: '/api/create_project',
      times: 1,
      status: 200,
      rawBody: '{"message": "Project cre',
    });
    inject(env.hub.faults, {
      method: 'GET',
      path: spaceRuntime(at),
      when: () => at.autotrain!.projects.size > 0, // status checks, once the Space exists
      times: 2,
      status: 200,
      rawBody: '{"stage": "RUNN',
    });
    inject(env.hub.faults, {
      method: 'GET',
      path: `/api/datasets/${at.dataset}/discussions`,
      times: 1,
      status: 200,
      rawBody: '<html>Bad gateway</html>',
    });
    const jobs = await pipeline('garbled-jobs', { backend: 'hf-jobs' });
    inject(env.jobs.faults, {
      method: 'GET',
      path: JOB,
      when: env.jobsOf(jobs),
      times: 2,
      status: 200,
      rawBody: '{"id": "x", "status": ',
    });
    cases.push({
      faults: injected.splice(0),
      row: {
        order: 32,
        fault: 'backend answers malformed JSON',
        how: '200 with a cut-off or HTML body: AutoTrain create_project ×1, Hub Space runtime ×2, Hub discussion list ×1, Jobs status ×2',
      },
      pipelines: [at, jobs],
    });
  }

  // Slower than our client waits (30 s): the server still does the work after the client gave up.
  {
    const at = await pipeline('slow-at');
    inject(env.hub.faults, {
      method: 'POST',
      path: `/api/datasets/${at.dataset}/discussions`,
      times: 1,
      delayMs: 35_000,
    });
    const jobs = await pipeline('slow-jobs', { backend: 'hf-jobs' });
    inject(env.jobs.faults, { method: 'POST', path: CREATE_JOB, when: env.jobsOf(jobs), times: 1, delayMs: 35_000 });
    cases.push({
      faults: injected.splice(0),
      row: {
        order: 33,
        fault: 'backend times out (answers after 35 s, work done)',
        how: 'Hub discussion POST and Jobs create take 35 s (our client gives up at 30 s) and then do the work',
      },
      pipelines: [at, jobs],
    });
  }

  // Hangs: a request never answered; a training that never ends.
  {
    const at = await pipeline('hang-at');
    inject(env.hub.faults, {
      method: 'GET',
      path: spaceRuntime(at),
      when: () => at.autotrain!.projects.size > 0, // status checks, once the Space exists
      times: 1,
      hold: never,
    });
    const stuck = await pipeline('hang-training', {
      script: { outcome: 'hang', buildMs: 100 },
      config: { max_training_time: 15 },
    });
    const jobs = await pipeline('hang-jobs', { backend: 'hf-jobs' });
    inject(env.jobs.faults, { method: 'GET', path: JOB, when: env.jobsOf(jobs), times: 1, hold: never });
    cases.push({
      faults: injected.splice(0),
      row: {
        order: 34,
        fault: 'backend hangs',
        how: 'a Hub Space runtime check and a Jobs status check never answered (client timeout 30 s); a training Space that runs forever (max_training_time 15 s)',
      },
      pipelines: [at, stuck, jobs],
      extra: () => {
        const job = stuck.autotrain!.projectsStartingWith(stuck.name)[0];
        return [
          check(
            'a training that never ends is stopped after max_training_time',
            job !== undefined && env.hub.pauseCalls.includes(job.jobId),
            job ? `pause requests: ${env.hub.pauseCalls.filter((id) => id === job.jobId).length}` : 'no project',
          ),
        ];
      },
    });
  }

  const all = cases.flatMap((c) => c.pipelines);
  const deployment = await env.deployment(all, 'faults');
  await deployment.startReceiver();
  await deployment.startWorker();
  for (const p of all) expect((await deployment.deliver(p, env.hub.pushCommit(p.dataset))).status).toBe(202);

  const failures: string[] = [];
  for (const c of cases) {
    const failed = await finishScenario(env, c.row, c.pipelines, deployment.ledger.records, startedAt, () => [
      ...(c.extra?.() ?? []),
      allHit(c.faults ?? []),
    ]);
    failures.push(...failed.map((f) => `${c.row.fault}: ${f.name}: ${f.detail}`));
  }
  expect(failures).toEqual([]);
}, 300_000);
