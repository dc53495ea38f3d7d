/**
 * The parts of "told instead of asking" that need no Temporal: when the next periodic check comes, which runs
 * an AutoTrain training Space names, how the receiver routes a discussion event, which Hub webhooks deliver a
 * namespace's discussions, and the worker's shared Jobs check against the strict fake Jobs API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextCheckDelay } from '../../src/activities/check-schedule';
import { autotrainProjectName, runsOfTrainingSpace } from '../../src/backends/autotrain/training-space';
import { JobsClient } from '../../src/backends/hf-jobs/jobs-client';
import { JobsWatch } from '../../src/backends/hf-jobs/jobs-watch';
import { parseConfig } from '../../src/config/load-config';
import { findDiscussionWebhooks, type HubWebhook } from '../../src/hub/hub-webhooks';
import { routeEvent } from '../../src/server/webhook/route-event';
import { webhookPayloadSchema } from '../../src/server/webhook/webhook-payload';
import { FakeHub } from '../fakes/fake-hub';
import { FakeJobs } from '../fakes/fake-jobs';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';

const MINUTE = 60_000;

describe('the schedule of periodic checks', () => {
  const at = (ageMs: number, told: boolean, pollIntervalMs = MINUTE) => nextCheckDelay({ ageMs, pollIntervalMs, told });

  test('soon after the start, then half the training age, up to the poll interval where nothing tells', () => {
    expect(at(0, false)).toBe(5_000);
    expect(at(20_000, false)).toBe(10_000);
    expect(at(60_000, false)).toBe(30_000);
    expect(at(10 * MINUTE, false)).toBe(MINUTE);
    expect(at(48 * 60 * MINUTE, false)).toBe(MINUTE);
  });

  test('where the backend tells of the end, up to the safety net (or the poll interval, if longer)', () => {
    expect(at(0, true)).toBe(5_000);
    expect(at(10 * MINUTE, true)).toBe(5 * MINUTE);
    expect(at(48 * 60 * MINUTE, true)).toBe(10 * MINUTE);
    expect(at(48 * 60 * MINUTE, true, 30 * MINUTE)).toBe(30 * MINUTE);
  });

  test('a poll interval shorter than the first delay wins; the last check comes before the deadline', () => {
    expect(at(0, false, 1_000)).toBe(1_000);
    expect(nextCheckDelay({ ageMs: 60 * MINUTE, pollIntervalMs: MINUTE, told: true, untilDeadlineMs: 62_000 })).toBe(
      60_000,
    );
    expect(nextCheckDelay({ ageMs: 0, pollIntervalMs: MINUTE, told: true, untilDeadlineMs: 500 })).toBe(1_000);
  });

  test('a test can make the periodic check rare', () => {
    const schedule = { firstDelayMs: 60 * MINUTE, safetyNetMs: 60 * MINUTE };
    expect(nextCheckDelay({ ageMs: 0, pollIntervalMs: 1_000, told: true, schedule })).toBe(60 * MINUTE);
    expect(nextCheckDelay({ ageMs: 0, pollIntervalMs: 1_000, told: false, schedule })).toBe(1_000);
  });
});

const pipelines = parseConfig({
  pipelines: [
    {
      name: 'images',
      target_namespace: 'acme',
      input_dataset: 'acme/images',
      input_model: 'm',
      autotrain_project_prefix: 'images',
    },
    {
      name: 'long',
      target_namespace: 'acme',
      input_dataset: 'acme/images',
      input_model: 'm',
      autotrain_project_prefix: 'a-long-prefix-that-is-cut-short-for-run'.padEnd(40, 'x'),
    },
    {
      name: 'jobs',
      target_namespace: 'acme',
      input_dataset: 'acme/images',
      input_model: 'm',
      autotrain_project_prefix: 'images',
      backend: { type: 'hf-jobs' },
    },
  ],
});
const REVISION = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';

describe('the runs a training Space names', () => {
  test('the Space of a run names its pipeline, revision and attempt; other Spaces name none', () => {
    for (const pipeline of pipelines.filter((p) => p.backend.type === 'autotrain')) {
      for (const attempt of [1, 3]) {
        const project = autotrainProjectName({ pipeline, revision: REVISION, attempt });
        expect(runsOfTrainingSpace(`acme/autotrain-${project}`, pipelines)).toEqual([
          { pipeline, revisionPrefix: REVISION.slice(0, 12), attempt },
        ]);
      }
    }
    expect(runsOfTrainingSpace('other/autotrain-images-9f2c4e1a7b3d', pipelines)).toEqual([]);
    expect(runsOfTrainingSpace('acme/images-9f2c4e1a7b3d', pipelines)).toEqual([]);
    expect(runsOfTrainingSpace('acme/autotrain-images-9f2c4e1a7b3', pipelines)).toEqual([]);
    expect(runsOfTrainingSpace('acme/autotrain-other-9f2c4e1a7b3d', pipelines)).toEqual([]);
  });
});

describe('routing discussion events', () => {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'space-discussion-autotrain-success.json'), 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  const route = (changes: Record<string, unknown> = {}) =>
    routeEvent(webhookPayloadSchema.parse({ ...fixture, ...changes }), pipelines);

  test("AutoTrain's outcome discussion on a run's training Space is a notice for that run", () => {
    expect(route()).toEqual({
      kind: 'training-ended',
      spaceId: 'acme/autotrain-images-9f2c4e1a7b3d',
      runs: [{ pipeline: pipelines[0], revisionPrefix: '9f2c4e1a7b3d', attempt: 1 }],
    });
    const failed = { ...fixture.discussion, title: 'Your training has failed ❌' };
    expect(route({ discussion: failed }).kind).toBe('training-ended');
  });

  test('every other discussion of the namespace is not for us, with the reason', () => {
    const reason = (changes: Record<string, unknown>) => {
      const decision = route(changes);
      return decision.kind === 'ignored' ? decision.reason : decision.kind;
    };
    expect(reason({ event: { action: 'update', scope: 'discussion' } })).toMatch(/action is "update"/);
    expect(reason({ event: { action: 'create', scope: 'discussion.comment' } })).toMatch(
      /action is "create", not "update"/,
    );
    expect(reason({ repo: { ...fixture.repo, type: 'dataset' } })).toMatch(/on a dataset, not on a Space/);
    expect(reason({ discussion: { ...fixture.discussion, title: 'Great model!' } })).toMatch(/not AutoTrain's outcome/);
    expect(reason({ discussion: { ...fixture.discussion, isPullRequest: true } })).toMatch(/not AutoTrain's outcome/);
    expect(reason({ discussion: undefined })).toMatch(/not AutoTrain's outcome/);
    expect(reason({ repo: { ...fixture.repo, name: 'acme/some-space' } })).toMatch(/no AutoTrain pipeline trains/);
  });

  test('an odd discussion object is "not for us", never a malformed payload', () => {
    const parsed = webhookPayloadSchema.safeParse({ ...fixture, discussion: { title: 42, isPullRequest: 'no' } });
    expect(parsed.success).toBe(true);
  });
});

describe('which Hub webhooks deliver a namespace discussions', () => {
  const hook = (changes: Partial<HubWebhook>): HubWebhook => ({
    id: 'w1',
    url: 'https://retrain.example/webhook',
    watched: [{ type: 'user', name: 'acme' }],
    domains: ['discussion'],
    disabled: false,
    ...changes,
  });

  test('enabled, watching the user or organisation, with the discussion domain, to the receiver when known', () => {
    expect(findDiscussionWebhooks([hook({})], 'acme')).toHaveLength(1);
    expect(findDiscussionWebhooks([hook({ watched: [{ type: 'org', name: 'acme' }] })], 'acme')).toHaveLength(1);
    expect(findDiscussionWebhooks([hook({ domains: ['repo', 'discussions'] })], 'acme')).toHaveLength(1);
    expect(findDiscussionWebhooks([hook({})], 'acme', 'https://retrain.example/webhook/')).toHaveLength(1);
    expect(findDiscussionWebhooks([hook({ disabled: true })], 'acme')).toHaveLength(0);
    expect(findDiscussionWebhooks([hook({ domains: ['repo'] })], 'acme')).toHaveLength(0);
    expect(findDiscussionWebhooks([hook({ watched: [{ type: 'dataset', name: 'acme/x' }] })], 'acme')).toHaveLength(0);
    expect(findDiscussionWebhooks([hook({})], 'other')).toHaveLength(0);
    expect(findDiscussionWebhooks([hook({})], 'acme', 'https://elsewhere.example/webhook')).toHaveLength(0);
  });
});

describe("a worker's shared check of Hugging Face jobs", () => {
  let hub: FakeHub;
  let jobs: FakeJobs;
  let client: JobsClient;

  beforeAll(async () => {
    hub = new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER });
    jobs = new FakeJobs(hub);
    jobs.defaultScript = { outcome: 'hang', schedulingMs: 10 };
    await hub.extend(jobs.router()).start();
    client = new JobsClient(hub.url, TEST_TOKEN);
  });

  afterAll(async () => {
    jobs.stop();
    await hub.stop();
  });

  const run = (labels: Record<string, string>) =>
    client.run(TEST_USER, {
      dockerImage: 'python:3.12',
      command: ['sleep', 'inf'],
      arguments: [],
      environment: {},
      secrets: {},
      flavor: 'cpu-basic',
      timeoutSeconds: 3600,
      labels,
    });

  test('one list call answers for every watched job; only the ones that ended are read, and their runs told', async () => {
    const managed = { 'retrain-managed-by': 'hub-retrain' };
    const started = await Promise.all(Array.from({ length: 10 }, () => run(managed)));
    const unlabelled = await run({ 'retrain-pipeline': 'from-before-the-label' });
    const told: string[] = [];
    // What a told run's check reads at once (HfJobsBackend.status): the shared answer must no longer show the
    // job running, or the run waits for its next periodic check.
    const answeredWhenTold: unknown[] = [];
    const watch = new JobsWatch({
      tell: async (id) => {
        told.push(id);
        answeredWhenTold.push(watch.answer(TEST_USER, id.slice('retrain:p:'.length)));
      },
    });
    const lists = jobs.listRequests;
    const reads = jobs.getRequests;
    try {
      for (const job of [...started, unlabelled])
        watch.register(client, TEST_USER, job.id, `retrain:p:${job.id}`, 60 * MINUTE);
      await watch.checkNow(TEST_USER);
      expect(jobs.listRequests - lists).toBe(1);
      expect(jobs.getRequests - reads).toBe(1); // the job without the label, read alone: still running
      for (const job of [...started, unlabelled]) expect(watch.answer(TEST_USER, job.id)?.id).toBe(job.id);
      expect(told).toEqual([]);

      for (const job of started.slice(0, 3)) jobs.end(job.id);
      await watch.checkNow(TEST_USER);
      expect(jobs.listRequests - lists).toBe(2);
      expect(jobs.getRequests - reads).toBe(1 + 3 + 1);
      expect(told.sort()).toEqual(
        started
          .slice(0, 3)
          .map((j) => `retrain:p:${j.id}`)
          .sort(),
      );
      expect(answeredWhenTold).toEqual([undefined, undefined, undefined]);
      expect(watch.size).toBe(8);
      expect(watch.answer(TEST_USER, started[0]!.id)).toBeUndefined();
      // Each list asked for the label and the running stages, and the strict fake took it.
      const asked = hub.requests.filter((r) => r.method === 'GET' && r.path === `/api/jobs/${TEST_USER}`).at(-1);
      expect(asked?.query).toEqual({ label: 'retrain-managed-by=hub-retrain', stage: ['SCHEDULING', 'RUNNING'] });
    } finally {
      watch.stop();
    }
  });

  test('the fake Jobs list refuses filters the service refuses', async () => {
    const list = (query: string) =>
      fetch(`${hub.url}/api/jobs/${TEST_USER}?${query}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect((await list('label=retrain-managed-by=hub-retrain&stage=RUNNING')).status).toBe(200);
    expect((await list('label=dataset=acme/beans')).status).toBe(400);
    expect((await list('label=no-value-sign')).status).toBe(400);
    expect((await list('stage=running')).status).toBe(400);
    expect((await list('stage=FINISHED')).status).toBe(400);
  });
});
