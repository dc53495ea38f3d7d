/**
 * The CLI as a newcomer meets it in the first hour, each command the real `hub-retrain` in its own process
 * against a running service (`hub-retrain start` on the jest dev server): send-test-webhook for a local
 * folder, show and watch by revision, the promotion verdict with both numbers in every view, and what
 * trigger did. Local pipelines run the scripted trainer (its accuracy is a file in the dataset), the Hub
 * pipeline the fake AutoTrain.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderRevision } from '../../src/datasets/local-folder';
import type { PipelineView, RunDetailView, RunSummaryView } from '../../src/server/api/api-schemas';
import { retrainWorkflowId } from '../../src/workflows/definitions';
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { OpenApiChecker, type OpenApiDoc } from '../helpers/openapi';
import { killServices, runCli, startService, type ServiceProcess } from '../helpers/service-process';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, testAddress, testBundlePath, unique } from '../helpers/temporal';

const ADMIN = 'first-hour-admin-token-0123456789';
const SECRET = 'first-hour-webhook-secret';
const TRAINER = [process.execPath, join(__dirname, '..', 'fixtures', 'trainers', 'scripted-trainer.js')];

let hub: FakeHub;
let autotrain: FakeAutotrain;
let service: ServiceProcess;
let env: Record<string, string>;
let dir: string;
let openapi: OpenApiChecker;
const one = unique('fh-one');
const twin = unique('fh-twin');
const hubP = unique('fh-hub');
const hubDataset = `${TEST_USER}/${unique('fh-d')}`;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  hub.addDataset(hubDataset);
  autotrain = await new FakeAutotrain(hub).start();
  autotrain.scripts.set(hubP, { outcome: 'hang', buildMs: 50 });

  dir = mkdtempSync(join(tmpdir(), 'hub-retrain-first-hour-'));
  // Two folders with the same files have the same revision: a revision that names two runs.
  mkdirSync(join(dir, 'one'));
  writeFileSync(join(dir, 'one', 'train.csv'), 'text,label\ngreat,positive\nawful,negative\n');
  writeFileSync(join(dir, 'one', 'accuracy.txt'), '0.9\n');
  cpSync(join(dir, 'one'), join(dir, 'twin'), { recursive: true });
  const local = (name: string, folder: string) => ({
    name,
    target_namespace: 'me',
    input_dataset: `file:${folder}`,
    input_model: 'scripted',
    task: 'text-classification',
    backend: { type: 'local', command: TRAINER, params: { accuracy_file: 'accuracy.txt', seconds: 0.2 } },
    promotion: { metric: 'accuracy', direction: 'max' },
    poll_interval_seconds: 1,
  });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      pipelines: [
        local(one, 'one'),
        local(twin, 'twin'),
        {
          name: hubP,
          target_namespace: TEST_USER,
          input_dataset: hubDataset,
          input_model: 'microsoft/resnet-50',
          poll_interval_seconds: 1,
        },
      ],
    }),
  );
  env = {
    RETRAIN_CONFIG: join(dir, 'config.json'),
    RETRAIN_STATE_DIR: join(dir, '.data'),
    RETRAIN_MODELS_DIR: join(dir, 'models'),
    WEBHOOK_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN,
    HF_ENDPOINT: hub.url,
    HF_TOKEN: TEST_TOKEN,
  };
  service = await startService({
    ...env,
    TEMPORAL_ADDRESS: testAddress(),
    TEMPORAL_TASK_QUEUE: unique('first-hour'),
    WORKFLOW_BUNDLE_PATH: testBundlePath(),
    AUTOTRAIN_API_URL: autotrain.url,
    PORT: '0',
  });
  openapi = new OpenApiChecker((await (await fetch(`${service.url}/api/openapi.json`)).json()) as OpenApiDoc);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  killServices();
  await autotrain?.stop();
  await hub?.stop();
});

/** The CLI run from the service's folder, without PORT or a URL: it finds the receiver by itself. */
const cli = (args: string[]) => runCli(args, { ...env, PORT: '', HUB_RETRAIN_URL: '' }, { cwd: dir });

async function ok(args: string[]): Promise<string> {
  const ran = await cli(args);
  if (ran.code !== 0) {
    throw new Error(
      `hub-retrain ${args.join(' ')} exited ${ran.code}\n${ran.stderr}${ran.stdout}\n--- service ---\n${service.output().slice(-3000)}`,
    );
  }
  return ran.stdout;
}

/** GET on the receiver's API, checked against its OpenAPI document. */
async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${service.url}${path}`);
  const body = (await res.json()) as T;
  openapi.check('GET', path, { status: res.status, headers: Object.fromEntries(res.headers), body });
  return body;
}

const ended = (workflowId: string) =>
  eventually(
    async () => {
      const run = await api<RunDetailView>(`/api/runs/${encodeURIComponent(workflowId)}`).catch(() => undefined);
      return run && run.status !== 'running' ? run : undefined;
    },
    60_000,
    `${workflowId} to end`,
  );

test('send-test-webhook for a file: dataset delivers its content hash; the answer names the revision', async () => {
  const revision = await folderRevision(join(dir, 'one'));
  const text = await ok(['send-test-webhook', one]);
  expect(text).toContain(`file:one@${revision.slice(0, 7)}`);
  expect(text).toContain(': 202, recorded for');
  const sent = JSON.parse(await ok(['send-test-webhook', twin, '--json'])) as { revision: string; answer: unknown };
  expect(sent.revision).toBe(revision);
  expect(sent.answer).toMatchObject({ processed: true, revision });
  expect((await ended(retrainWorkflowId(one, revision))).status).toBe('succeeded');
  expect((await ended(retrainWorkflowId(twin, revision))).status).toBe('succeeded');
});

test('show takes a revision: one run is shown, several are listed to choose from', async () => {
  const revision = await folderRevision(join(dir, 'one'));
  const several = await cli(['show', revision.slice(0, 8)]);
  expect(several.code).toBe(1);
  expect(several.stderr).toContain(`revision ${revision.slice(0, 8)} matches 2 runs`);
  expect(several.stderr).toContain(retrainWorkflowId(one, revision));
  expect(several.stderr).toContain(retrainWorkflowId(twin, revision));
  const none = await cli(['show', 'abcdef0123']);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain('no run of revision abcdef0123');
  expect(await ok(['show', `${one}:${revision}`])).toContain(
    'verdict     put in service: first model with accuracy = 0.9',
  );
});

test('a worse revision is trained and not put in service: watch, show, runs and pipelines say so with both numbers', async () => {
  const first = await folderRevision(join(dir, 'one'));
  writeFileSync(join(dir, 'one', 'accuracy.txt'), '0.5\n'); // the folder watcher records the edit
  const second = await folderRevision(join(dir, 'one'));
  const workflowId = retrainWorkflowId(one, second);
  await eventually(() => api<RunDetailView>(`/api/runs/${encodeURIComponent(workflowId)}`), 30_000, workflowId);

  const watched = await ok(['watch', second.slice(0, 10), '--interval', '0.5']);
  for (const step of ['createProject', 'addData', 'training', 'evaluating', 'publishing', 'succeeded']) {
    expect(watched).toMatch(new RegExp(`^${step} +\\[`, 'm'));
  }
  expect(await ok(['show', second.slice(0, 10)])).toContain(
    `verdict     not put in service: accuracy 0.5000 vs 0.9000 for the model in service (${first.slice(0, 7)})`,
  );
  const runs = await eventually(async () => {
    const text = await ok(['runs', '--pipeline', one]);
    return text.includes(workflowId) ? text : undefined;
  });
  expect(runs).toMatch(
    new RegExp(
      `${workflowId} +succeeded +succeeded +not put in service \\(accuracy 0\\.5000 vs 0\\.9000 in service\\)`,
    ),
  );
  expect(runs).toMatch(/put in service \(accuracy 0\.9000\)/);
  const pipelines = await eventually(async () => {
    const text = await ok(['pipelines']);
    return text.includes(`last result succeeded on ${second.slice(0, 7)}`) ? text : undefined;
  });
  expect(pipelines).toContain(`last result succeeded on ${second.slice(0, 7)}`);
  expect(pipelines).toMatch(/; not put in service \(accuracy 0\.5000 vs 0\.9000 in service\)/);

  // The API carries the verdict for the status page: the run list (from each run's recorded result) and lastResult.
  const verdict = { promoted: false, metric: 'accuracy', candidate: 0.5, current: 0.9, currentRevision: first };
  const listed = await api<{ runs: RunSummaryView[] }>(`/api/runs?pipeline=${one}`);
  expect(listed.runs.find((r) => r.workflowId === workflowId)?.promotion).toMatchObject(verdict);
  const view = (await api<{ pipelines: PipelineView[] }>('/api/pipelines')).pipelines.find((p) => p.name === one);
  expect(view?.lastResult?.promotion).toMatchObject(verdict);
  expect((await api<{ runs: RunSummaryView[] }>(`/api/runs?revision=${second.slice(0, 6)}`)).runs).toEqual([
    expect.objectContaining({ workflowId }),
  ]);
});

test('trigger says what happened: started run X, queued behind it, already trained', async () => {
  const head = hub.pushCommit(hubDataset);
  const started = await ok(['trigger', hubP]);
  expect(started).toContain(`${hubP}: started run ${retrainWorkflowId(hubP, head)} (revision ${head})`);
  const next = hub.pushCommit(hubDataset);
  const queued = await ok(['trigger', hubP]);
  expect(queued).toContain(`${hubP}: queued behind ${retrainWorkflowId(hubP, head)}`);
  expect(await ok(['cancel', head.slice(0, 12)])).toContain('cancellation requested');
  // The queued head starts once the first run has ended; it hangs too.
  await eventually(() => api<RunDetailView>(`/api/runs/${encodeURIComponent(retrainWorkflowId(hubP, next))}`), 60_000);
  await ok(['cancel', next.slice(0, 12)]);

  const trained = await ok(['trigger', one]);
  expect(trained).toContain(`${one}: already trained`);
  expect(trained).toContain('nothing started');
  const decided = JSON.parse(await ok(['trigger', one, '--json'])) as { decision: { kind: string } };
  expect(decided.decision.kind).toBe('trained-already');
});

test("the service's log has each run's stage changes as run events, and no task token or build statistics at info", async () => {
  const revision = await folderRevision(join(dir, 'one'));
  const lines = service
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; event?: string; workflowId?: string });
  const stages = lines
    .filter((l) => l.event === 'stage' && l.workflowId === retrainWorkflowId(one, revision))
    .map((l) => l.msg);
  expect(stages).toEqual(expect.arrayContaining(['stage: created', 'stage: training', 'stage: succeeded']));
  const loud = lines.filter((l) => l.level >= 30);
  expect(loud.filter((l) => 'taskToken' in l)).toEqual([]);
  expect(loud.filter((l) => /^asset |webpack/.test(l.msg))).toEqual([]);
  expect(lines.filter((l) => l.event === 'verdict').map((l) => l.msg)).toContainEqual(
    expect.stringMatching(/^not promoted: accuracy 0\.5000 vs 0\.9000 for the model in service \([0-9a-f]{7}\)/),
  );
});
