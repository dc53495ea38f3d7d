/**
 * The status API against the real dev server, a real worker and the fakes: every route, the admin token's
 * 401/403/disabled answers, validation, the visibility fallback when no worker answers a query, and 503
 * when Temporal is unreachable. Every answer is checked against the served OpenAPI document.
 */
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import type { PipelineSpec } from '../../src/config/config-schema';
import { createLogger } from '../../src/logging';
import type { PipelineView, RunDetailView, RunSummaryView } from '../../src/server/api/api-schemas';
import { createApp, type AppDeps } from '../../src/server/app';
import { openApiDocument } from '../../src/server/api/openapi';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import {
  pipelineWorkflowId,
  RETRAIN_WORKFLOW,
  RetrainPipeline,
  RetrainRevision,
  RetrainStage,
  retrainWorkflowId,
} from '../../src/workflows/definitions';
import { documentedRoutes, OpenApiChecker, servedRoutes, type OpenApiDoc } from '../helpers/openapi';
import { pipelineSpec, startFakes, type FakeStack } from '../helpers/stack';
import { eventually, startWorker, testClient, unique, type RunningWorker } from '../helpers/temporal';

const ADMIN = 'admin-token-for-tests-0123456789';
const SECRET = 'webhook-secret-for-api-tests';
const UI = 'http://temporal-ui.test';

let fakes: FakeStack;
let client: Client;
let worker: RunningWorker;
let logs: string[];
let checker: OpenApiChecker;
let app: Express;
let plain: PipelineSpec;
let approval: PipelineSpec;
let hanging: PipelineSpec;
const started: string[] = [];

function makeApp(overrides: Partial<AppDeps> = {}): Express {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  return createApp({
    pipelines: [plain, approval, hanging],
    webhookSecret: SECRET,
    recorder: new UpdateRecorder(client, worker.taskQueue, 5000),
    client,
    logger: createLogger('info', 'test', sink),
    adminToken: ADMIN,
    temporalUiUrl: UI,
    // Generous, so a busy machine never turns a live view into the fallback (tested on its own below).
    queryTimeoutMs: 10_000,
    temporalTimeoutMs: 10_000,
    ...overrides,
  });
}

/** A pipeline on a dataset of its own. */
function freshPipeline(overrides: Record<string, unknown> = {}): PipelineSpec {
  const dataset = `acme/${unique('api-ds')}`;
  fakes.hub.addDataset(dataset);
  return pipelineSpec(fakes, { input_dataset: dataset, ...overrides });
}

beforeAll(async () => {
  logs = [];
  fakes = await startFakes();
  client = await testClient();
  worker = await startWorker(unique('api'), fakes.activityDeps);
  plain = freshPipeline();
  approval = freshPipeline({ approval: 'required' });
  hanging = freshPipeline({ debounce_seconds: 0 });
  fakes.autotrain.scripts.set(hanging.autotrain_project_prefix, { outcome: 'hang', buildMs: 50 });
  checker = new OpenApiChecker(openApiDocument() as unknown as OpenApiDoc);
  app = makeApp();
  started.push(...[plain, approval, hanging].map((p) => pipelineWorkflowId(p.name)));
});

afterAll(async () => {
  for (const id of started)
    await client?.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  await worker?.stop();
  await client?.connection.close();
  await fakes?.stop();
});

type Auth = 'admin' | 'none' | 'wrong';

/** One call through HTTP, checked against the OpenAPI document. */
async function call(
  method: 'get' | 'post',
  path: string,
  options: { auth?: Auth; body?: unknown; on?: Express } = {},
): Promise<request.Response> {
  let req = request(options.on ?? app)[method](path);
  if (options.auth === 'admin') req = req.set('Authorization', `Bearer ${ADMIN}`);
  if (options.auth === 'wrong') req = req.set('Authorization', `Bearer ${ADMIN}-not`);
  const res = options.body === undefined ? await req : await req.send(options.body as object);
  checker.check(method, path, res);
  return res;
}

const runPath = (workflowId: string) => `/api/runs/${encodeURIComponent(workflowId)}`;
const pipelines = async (on?: Express): Promise<PipelineView[]> =>
  ((await call('get', '/api/pipelines', { on })).body as { pipelines: PipelineView[] }).pipelines;
const pipelineView = async (spec: PipelineSpec): Promise<PipelineView> =>
  (await pipelines()).find((p) => p.name === spec.name)!;
const run = async (workflowId: string): Promise<RunDetailView> =>
  (await call('get', runPath(workflowId))).body as RunDetailView;

/** Waits (through the API) until the run of `spec` on its current head is at `stage` (and `also` holds). */
async function runAt(
  spec: PipelineSpec,
  stage: string,
  also: (r: RunDetailView) => boolean = () => true,
): Promise<RunDetailView> {
  const workflowId = retrainWorkflowId(spec.name, fakes.hub.head(spec.input_dataset));
  return eventually(
    async () => {
      const res = await request(app).get(runPath(workflowId));
      const body = res.body as RunDetailView;
      return res.status === 200 && body.stage === stage && also(body) ? body : undefined;
    },
    60_000,
    `${workflowId} at ${stage}`,
  );
}

/** Waits until a run's execution has closed. */
const runEnded = (workflowId: string): Promise<RunDetailView> =>
  eventually(
    async () => {
      const r = await run(workflowId);
      return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
    },
    60_000,
    `${workflowId} to end`,
  );

describe('the OpenAPI document', () => {
  test('is served at /api/openapi.json and lists exactly the routes the app serves', async () => {
    const res = await call('get', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as OpenApiDoc;
    expect(doc.openapi).toBe('3.1.0');
    expect(servedRoutes(app)).toEqual(documentedRoutes(doc));
  });
});

describe('admin token on the write routes', () => {
  const writes = () => [
    `/api/pipelines/${plain.name}/trigger`,
    `${runPath(retrainWorkflowId(plain.name, 'x'))}/cancel`,
    `${runPath(retrainWorkflowId(plain.name, 'x'))}/approve`,
    `${runPath(retrainWorkflowId(plain.name, 'x'))}/reject`,
  ];

  test('401 with WWW-Authenticate when the Authorization header is missing or not a bearer token', async () => {
    for (const path of writes()) {
      const res = await call('post', path);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      const basic = await request(app).post(path).set('Authorization', `Basic ${ADMIN}`);
      expect(basic.status).toBe(401);
    }
  });

  test('403 when the token is wrong', async () => {
    for (const path of writes()) {
      const res = await call('post', path, { auth: 'wrong' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'wrong admin token' });
    }
  });

  test('403 saying the write API is disabled when ADMIN_TOKEN is not set, whatever is sent', async () => {
    const disabled = makeApp({ adminToken: undefined });
    for (const path of writes()) {
      for (const auth of ['none', 'admin'] as const) {
        const res = await call('post', path, { auth, on: disabled });
        expect(res.status).toBe(403);
        expect((res.body as { error: string }).error).toMatch(/disabled.*ADMIN_TOKEN/);
      }
    }
  });

  test('reads need no token, and the token never reaches a log or an answer', async () => {
    expect((await call('get', '/api/pipelines')).status).toBe(200);
    // This pipeline's runs: the dev server is shared with other test files, whose runs may be encrypted with a
    // payload key this receiver does not have (test/security/payload-codec.test.ts).
    expect((await call('get', `/api/runs?pipeline=${plain.name}`)).status).toBe(200);
    await call('post', `/api/pipelines/${plain.name}/trigger`, { auth: 'wrong' });
    expect(logs.join('')).not.toContain(ADMIN);
  });
});

describe('reading', () => {
  test('a pipeline with no update yet shows its configured policy and no runs', async () => {
    const view = await pipelineView(approval);
    expect(view).toMatchObject({
      name: approval.name,
      dataset: approval.input_dataset,
      workflowId: pipelineWorkflowId(approval.name),
      policy: { debounceSeconds: 0, onNewRevision: 'queue', approval: 'required' },
      started: false,
      recent: [],
      superseded: [],
    });
    expect(view.active).toBeUndefined();
  });

  test('GET /api/runs validates its query parameters: 400 names the parameter', async () => {
    for (const [query, path] of [
      ['status=done', 'status'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ["pipeline=x'%20OR%20'1'='1", 'pipeline'],
      ['colour=red', '(top level)'],
    ]) {
      const res = await call('get', `/api/runs?${query}`);
      expect(res.status).toBe(400);
      expect((res.body as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toContain(path);
    }
  });

  test('404 for an unknown run, and for a workflow that is not a run', async () => {
    const unknown = await call('get', runPath(retrainWorkflowId('nope', 'deadbeef')));
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: string }).error).toContain('unknown run');
    await call('post', `/api/pipelines/${plain.name}/trigger`, { auth: 'admin' });
    const pipeline = await call('get', runPath(pipelineWorkflowId(plain.name)));
    expect(pipeline.status).toBe(404);
    // Deciding either: the Update finds no run, or a workflow without the decide handler that is not a run.
    for (const id of [retrainWorkflowId('nope', 'deadbeef'), pipelineWorkflowId(plain.name)]) {
      const decided = await call('post', `${runPath(id)}/approve`, { auth: 'admin' });
      expect(decided.status).toBe(404);
      expect((decided.body as { error: string }).error).toContain('unknown run');
    }
  });

  test('404 for triggering an unknown pipeline', async () => {
    const res = await call('post', '/api/pipelines/no-such-pipeline/trigger', { auth: 'admin' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'unknown pipeline "no-such-pipeline"' });
  });
});

describe('a run from trigger to result', () => {
  test('trigger trains the current head; the run, the runs list and the pipeline show it', async () => {
    const res = await call('post', `/api/pipelines/${plain.name}/trigger`, { auth: 'admin' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      accepted: true,
      pipeline: plain.name,
      workflowId: pipelineWorkflowId(plain.name),
    });

    const head = fakes.hub.head(plain.input_dataset);
    const done = await runEnded(retrainWorkflowId(plain.name, head));
    expect(done).toMatchObject({
      workflowId: retrainWorkflowId(plain.name, head),
      pipeline: plain.name,
      dataset: plain.input_dataset,
      revision: head,
      status: 'succeeded',
      executionStatus: 'COMPLETED',
      outcome: 'succeeded',
      live: true,
      backend: 'autotrain',
      delivery: { source: 'api' },
    });
    expect(done.jobId).toEqual(expect.any(String));
    expect(done.links.temporal).toBe(`${UI}/namespaces/default/workflows/${encodeURIComponent(done.workflowId)}`);
    expect(done.links.job).toEqual(expect.any(String));
    expect(Object.keys(done.timings)).toEqual(
      expect.arrayContaining(['created', 'data-added', 'training', 'succeeded']),
    );

    const view = await eventually(async () => {
      const v = await pipelineView(plain);
      return v.lastResult?.outcome === 'succeeded' ? v : undefined;
    });
    expect(view).toMatchObject({ started: true, live: true, lastResult: { revision: head, outcome: 'succeeded' } });
    expect(view.recent[0]).toMatchObject({ workflowId: done.workflowId, outcome: 'succeeded' });

    const runs = await eventually(async () => {
      const body = (await call('get', `/api/runs?pipeline=${plain.name}`)).body as { runs: RunSummaryView[] };
      // Visibility is eventually consistent: wait until it records the run as closed.
      return body.runs.length === 1 && body.runs[0]?.status === 'succeeded' ? body : undefined;
    });
    expect(runs.runs[0]).toMatchObject({ workflowId: done.workflowId, status: 'succeeded', revision: head });
    const succeeded = (await call('get', `/api/runs?pipeline=${plain.name}&status=succeeded&limit=5`)).body as {
      runs: RunSummaryView[];
      query: string;
    };
    expect(succeeded.runs.map((r) => r.workflowId)).toEqual([done.workflowId]);
    expect(succeeded.query).toContain(`RetrainPipeline = '${plain.name}'`);
    for (const status of ['running', 'failed', 'cancelled']) {
      const other = (await call('get', `/api/runs?pipeline=${plain.name}&status=${status}`)).body as {
        runs: unknown[];
      };
      expect(other.runs).toEqual([]);
    }

    // A closed run can be neither cancelled nor approved.
    expect((await call('post', `${runPath(done.workflowId)}/cancel`, { auth: 'admin' })).status).toBe(409);
    expect((await call('post', `${runPath(done.workflowId)}/approve`, { auth: 'admin' })).status).toBe(409);
  });

  test('approval: the run waits, approve (with who) lets it train; reject ends the next one unapproved', async () => {
    expect((await call('post', `/api/pipelines/${approval.name}/trigger`, { auth: 'admin' })).status).toBe(202);
    // The approval request on the Community tab is posted just after the stage is entered.
    const waiting = await runAt(approval, 'awaiting-approval', (r) => r.links.discussion !== undefined);
    expect(waiting.approval?.requested).toEqual(expect.any(String));
    expect(waiting.links.discussion).toEqual(expect.any(String));
    const view = await pipelineView(approval);
    expect(view.active).toMatchObject({ workflowId: waiting.workflowId, stage: 'awaiting-approval' });

    const bad = await call('post', `${runPath(waiting.workflowId)}/approve`, { auth: 'admin', body: { by: 42 } });
    expect(bad.status).toBe(400);
    const ok = await call('post', `${runPath(waiting.workflowId)}/approve`, { auth: 'admin', body: { by: 'alice' } });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({
      accepted: true,
      action: 'approve',
      workflowId: waiting.workflowId,
      decision: { decision: 'approved', by: 'alice', decidedAt: expect.any(String) as string },
    });
    // The run refuses a second decision (its Update's validator): 409, saying who decided.
    const again = await call('post', `${runPath(waiting.workflowId)}/reject`, { auth: 'admin', body: { by: 'bob' } });
    expect(again.status).toBe(409);
    expect((again.body as { error: string }).error).toContain('already approved by alice');
    const approved = await runEnded(waiting.workflowId);
    expect(approved).toMatchObject({ status: 'succeeded', approval: { decision: 'approved', by: 'alice' } });

    fakes.hub.pushCommit(approval.input_dataset);
    await eventually(async () => ((await pipelineView(approval)).active === undefined ? true : undefined));
    expect((await call('post', `/api/pipelines/${approval.name}/trigger`, { auth: 'admin' })).status).toBe(202);
    const second = await runAt(approval, 'awaiting-approval');
    const rejected = await call('post', `${runPath(second.workflowId)}/reject`, { auth: 'admin', body: { by: 'bob' } });
    expect(rejected.status).toBe(202);
    const ended = await runEnded(second.workflowId);
    expect(ended).toMatchObject({
      status: 'failed',
      outcome: 'rejected',
      approval: { decision: 'rejected', by: 'bob' },
    });
    const failedRuns = await eventually(async () => {
      const { runs } = (await call('get', `/api/runs?pipeline=${approval.name}&status=failed`)).body as {
        runs: RunSummaryView[];
      };
      return runs.length > 0 ? runs : undefined;
    });
    expect(failedRuns.map((r) => r.workflowId)).toEqual([second.workflowId]);
  });

  test('cancel: a training run is cancelled; approve on a run that is not waiting is 409; queued and superseded revisions show', async () => {
    const first = fakes.hub.pushCommit(hanging.input_dataset);
    expect((await call('post', `/api/pipelines/${hanging.name}/trigger`, { auth: 'admin' })).status).toBe(202);
    const training = await runAt(hanging, 'training');
    expect(training.revision).toBe(first);

    const notWaiting = await call('post', `${runPath(training.workflowId)}/approve`, { auth: 'admin' });
    expect(notWaiting.status).toBe(409);
    expect((notWaiting.body as { error: string }).error).toContain('not waiting for approval');

    // Two deliveries while it trains: the newer one waits, the older one is superseded.
    const recorder = new UpdateRecorder(client, worker.taskQueue, 5000);
    const second = fakes.hub.pushCommit(hanging.input_dataset);
    await recorder.record(hanging, second, { source: 'webhook', receivedAt: new Date().toISOString() });
    const third = fakes.hub.pushCommit(hanging.input_dataset);
    await recorder.record(hanging, third, { source: 'webhook', receivedAt: new Date().toISOString() });
    const queued = await eventually(async () => {
      const v = await pipelineView(hanging);
      return v.waiting?.revision === third ? v : undefined;
    });
    expect(queued.active).toMatchObject({ workflowId: training.workflowId, stage: 'training' });
    expect(queued.superseded).toEqual([
      expect.objectContaining({ revision: second, by: third, reason: 'newer-update' }),
    ]);

    const cancel = await call('post', `${runPath(training.workflowId)}/cancel`, { auth: 'admin' });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ accepted: true, action: 'cancel' });
    const cancelled = await runEnded(training.workflowId);
    expect(cancelled).toMatchObject({ status: 'cancelled', outcome: 'cancelled', executionStatus: 'CANCELLED' });
    expect(fakes.hub.pauseCalls).toContain(training.jobId); // stopped by pausing its Space through the Hub

    // The queued head runs next; cancel it too.
    const next = await runAt(hanging, 'training');
    expect(next.revision).toBe(third);
    expect((await call('post', `${runPath(next.workflowId)}/cancel`, { auth: 'admin' })).status).toBe(202);
    const view = await eventually(async () => {
      const v = await pipelineView(hanging);
      return v.active === undefined && v.recent.length === 2 ? v : undefined;
    });
    expect(view.recent.map((r) => r.outcome)).toEqual(['cancelled', 'cancelled']);
    const cancelledRuns = await eventually(async () => {
      const { runs } = (await call('get', `/api/runs?pipeline=${hanging.name}&status=cancelled`)).body as {
        runs: RunSummaryView[];
      };
      return runs.length === 2 ? runs : undefined;
    });
    expect(cancelledRuns.map((r) => r.revision).sort()).toEqual([first, third].sort());
  });
});

describe('when Temporal cannot answer', () => {
  test('no worker: the views fall back to describe and visibility and say so (live: false)', async () => {
    const spec = freshPipeline();
    const idle = makeApp({
      pipelines: [spec],
      recorder: new UpdateRecorder(client, unique('no-worker'), 5000),
      queryTimeoutMs: 500,
    });
    started.push(pipelineWorkflowId(spec.name));
    expect((await call('post', `/api/pipelines/${spec.name}/trigger`, { auth: 'admin', on: idle })).status).toBe(202);
    const [view] = await pipelines(idle);
    expect(view).toMatchObject({ name: spec.name, started: true, live: false, recent: [] });
    expect(view?.note).toMatch(/worker/);

    // A run no worker picks up: its stage comes from the search attribute.
    const revision = fakes.hub.head(spec.input_dataset);
    const workflowId = retrainWorkflowId(spec.name, revision);
    await client.workflow.start(RETRAIN_WORKFLOW, {
      workflowId,
      taskQueue: unique('no-worker'),
      args: [{ pipeline: spec, revision, attempt: 1 }],
      typedSearchAttributes: [
        { key: RetrainPipeline, value: spec.name },
        { key: RetrainRevision, value: revision },
        { key: RetrainStage, value: 'created' },
      ],
      memo: { backend: 'autotrain' },
    });
    started.push(workflowId);
    const detail = (await call('get', runPath(workflowId), { on: idle })).body as RunDetailView;
    expect(detail).toMatchObject({ live: false, status: 'running', stage: 'created', revision, backend: 'autotrain' });
    expect(detail.note).toMatch(/worker/);
  });

  test('Temporal unreachable: 503 with Retry-After and a clear error, never a hang; the page still renders', async () => {
    const dead = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const down = makeApp({
      client: dead,
      recorder: new UpdateRecorder(dead, worker.taskQueue, 500),
      temporalTimeoutMs: 500,
      queryTimeoutMs: 300,
    });
    const attempts: Array<['get' | 'post', string]> = [
      ['get', '/api/pipelines'],
      ['get', '/api/runs'],
      ['get', runPath(retrainWorkflowId(plain.name, 'x'))],
      ['post', `/api/pipelines/${plain.name}/trigger`],
      ['post', `${runPath(retrainWorkflowId(plain.name, 'x'))}/cancel`],
      ['post', `${runPath(retrainWorkflowId(plain.name, 'x'))}/approve`],
    ];
    for (const [method, path] of attempts) {
      const res = await call(method, path, { auth: 'admin', on: down });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect((res.body as { error: string }).error).toMatch(/Temporal/);
    }
    const page = await request(down).get('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('class="error"');
    expect(page.text).toContain(plain.name);
  });
});
