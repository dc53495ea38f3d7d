/**
 * The contract fakes refuse what the real services refuse: each rule sends the wrong thing over HTTP and expects
 * the real service's answer. The comment on each rule in test/fakes/ names the reference it comes from.
 */
import { FakeAutotrain } from '../fakes/fake-autotrain';
import { FakeHub } from '../fakes/fake-hub';
import { FakeJobs } from '../fakes/fake-jobs';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { eventually, unique } from '../helpers/temporal';

const OTHER_TOKEN = 'hf_other_user_token_0123456789';
let hub: FakeHub;
let jobs: FakeJobs;
let autotrain: FakeAutotrain;

beforeAll(async () => {
  hub = new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).addToken(OTHER_TOKEN, { name: 'bob' });
  jobs = new FakeJobs(hub);
  await hub.extend(jobs.router()).start();
  autotrain = await new FakeAutotrain(hub).start();
  hub.addDataset(`${TEST_USER}/images`); // what the projects below train on
});

afterAll(async () => {
  jobs?.stop();
  await autotrain?.stop();
  await hub?.stop();
});

const auth = (token = TEST_TOKEN) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

async function post(url: string, body: unknown, headers: Record<string, string> = auth()) {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

describe('Jobs (huggingface_hub hf_api.py, _jobs_api.py)', () => {
  const job = (labels: Record<string, string>) => ({
    dockerImage: 'python:3.12',
    command: ['true'],
    arguments: [],
    environment: {},
    flavor: 'cpu-basic',
    labels,
  });

  test('a label value with "/" (a dataset id) is refused with a 4xx', async () => {
    const res = await post(`${hub.url}/api/jobs/${TEST_USER}`, job({ 'retrain-dataset': 'acme/beans' }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('invalid value for label retrain-dataset');
  });

  test('a label key or value over 100 characters, or with a space, is refused', async () => {
    expect((await post(`${hub.url}/api/jobs/${TEST_USER}`, job({ team: 'x'.repeat(101) }))).status).toBe(400);
    expect((await post(`${hub.url}/api/jobs/${TEST_USER}`, job({ ['k'.repeat(101)]: 'v' }))).status).toBe(400);
    expect((await post(`${hub.url}/api/jobs/${TEST_USER}`, job({ 'my team': 'v' }))).status).toBe(400);
    expect((await post(`${hub.url}/api/jobs/${TEST_USER}`, job({ team: 'vision.v2_x-1' }))).status).toBe(200);
  });

  test('a hardware flavor Jobs does not have is refused', async () => {
    const res = await post(`${hub.url}/api/jobs/${TEST_USER}`, { ...job({}), flavor: 'spaces-a10g-small' });
    expect(res.status).toBe(400);
  });
});

describe('AutoTrain Advanced (autotrain-advanced api_routes.py, trainers/common.py)', () => {
  const valid = () => ({
    project_name: unique('proj'),
    task: 'image-classification',
    base_model: 'microsoft/resnet-50',
    hardware: 'spaces-cpu-basic',
    params: {},
    username: TEST_USER,
    column_mapping: { image_column: 'image', target_column: 'label' },
    hub_dataset: `${TEST_USER}/images`,
    train_split: 'train',
  });
  const create = (body: Record<string, unknown>, headers: Record<string, string> = auth()) =>
    post(`${autotrain.url}/api/create_project`, body, headers);

  test('no column_mapping for image-classification: 422 "column_mapping is required" (no server default)', async () => {
    const { column_mapping: _none, ...body } = valid();
    const res = await create(body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        { type: 'value_error', loc: ['body'], msg: 'Value error, column_mapping is required for image-classification' },
      ],
    });
  });

  test('a column_mapping without the keys of its task: 422 naming the key', async () => {
    const image = await create({ ...valid(), column_mapping: { image_column: 'image' } });
    expect(image.status).toBe(422);
    expect(JSON.stringify(image.body)).toContain('target_column is required for image-classification');
    const text = await create({ ...valid(), task: 'text-classification', column_mapping: { text: 'text' } });
    expect(JSON.stringify(text.body)).toContain('text_column is required for text-classification');
  });

  test('params missing: the route fails (500), so a client must always send at least {}', async () => {
    const { params: _none, ...body } = valid();
    const res = await create(body);
    expect(res).toMatchObject({ status: 500, body: 'Internal Server Error' });
  });

  test('project names: letters, digits and "-" only, at most 50, else the route fails (500)', async () => {
    expect((await create({ ...valid(), project_name: 'has_underscore' })).status).toBe(500);
    expect((await create({ ...valid(), project_name: 'x'.repeat(51) })).status).toBe(500);
    expect((await create({ ...valid(), project_name: `ok-${'x'.repeat(47)}` })).status).toBe(200);
  });

  test('hardware outside its list: 422 literal_error', async () => {
    const res = await create({ ...valid(), hardware: 'a10g-small' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ detail: [{ type: 'literal_error', loc: ['body', 'hardware'] }] });
  });

  test('token forms: none, another scheme, or a token the Hub does not know is 401; "bearer" in any case is fine', async () => {
    const noAuth = await create(valid(), { 'content-type': 'application/json' });
    expect(noAuth).toMatchObject({ status: 401, body: { detail: 'Invalid or expired token' } });
    const scheme = await create(valid(), { authorization: `Token ${TEST_TOKEN}`, 'content-type': 'application/json' });
    expect(scheme.status).toBe(401);
    const unknown = await create(valid(), auth('hf_unknown_0123456789'));
    expect(unknown).toMatchObject({ status: 401, body: { detail: 'Invalid or expired token: Bearer' } });
    const lower = await create(valid(), { authorization: `bearer ${TEST_TOKEN}`, 'content-type': 'application/json' });
    expect(lower.status).toBe(200);
  });

  test('a create whose answer is lost after the Space exists: a second create of it fails (500), the Space stays one', async () => {
    const body = valid();
    autotrain.loseCreateAnswers = 1;
    await expect(create(body)).rejects.toThrow(); // the connection drops after the work
    const space = `${TEST_USER}/autotrain-${body.project_name}`;
    expect(hub.hasSpace(space)).toBe(true);
    expect((await create(body)).status).toBe(500);
    expect(autotrain.projectsStartingWith(body.project_name)).toHaveLength(1);
  });

  test('stop_training answers 200 {"success": false} when the pause failed: a 200 is not a stop', async () => {
    const body = { ...valid(), project_name: unique('stopme') };
    autotrain.scripts.set(body.project_name, { outcome: 'hang', buildMs: 10 });
    expect((await create(body)).status).toBe(200);
    const space = `${TEST_USER}/autotrain-${body.project_name}`;
    await eventually(() => (hub.spaceStage(space) === 'RUNNING' ? true : undefined));

    // bob's token is valid, but the private Space is not his to pause (pause_space: 404 for him).
    const res = await post(`${autotrain.url}/api/stop_training`, { jid: space }, auth(OTHER_TOKEN));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false });
    expect(JSON.stringify(res.body)).toContain('Failed to stop training');
    expect(hub.spaceStage(space)).toBe('RUNNING');
  });

  test('one AutoTrain version serves POST /api/stop_training {"jid"}, another GET ?job_id=: the other form is 404', async () => {
    const older = new FakeAutotrain(hub);
    older.routeForm = 'get';
    await older.start();
    try {
      const res = await post(`${older.url}/api/stop_training`, { jid: `${TEST_USER}/autotrain-x` });
      expect(res.status).toBe(404);
      const get = await fetch(`${older.url}/api/stop_training?job_id=${TEST_USER}/autotrain-x`, { headers: auth() });
      expect(await get.json()).toMatchObject({ success: false }); // no such Space
    } finally {
      await older.stop();
    }
  });
});

describe('the Hub (hf-hub-api.md, huggingface_hub hf_api.py, hub-docs)', () => {
  test('a token the Hub does not know is refused (401), never read as anonymous', async () => {
    const res = await fetch(`${hub.url}/api/whoami-v2`, { headers: auth('hf_unknown_0123456789') });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Invalid credentials in Authorization header' });
  });

  test('rate limited: 429 with Retry-After and the RateLimit headers', async () => {
    const limited = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
    limited.rateLimit = { limit: 2, windowSeconds: 300 };
    try {
      for (let i = 0; i < 2; i++)
        expect((await fetch(`${limited.url}/api/whoami-v2`, { headers: auth() })).status).toBe(200);
      const res = await fetch(`${limited.url}/api/whoami-v2`, { headers: auth() });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
      expect(res.headers.get('ratelimit-policy')).toBe('"fixed window";"api";q=2;w=300');
    } finally {
      await limited.stop();
    }
  });

  test('a token that may write but not create repos: 403 on create, even for a repo that exists', async () => {
    const writer = 'hf_fine_grained_writer_0123456789';
    hub.addToken(writer, { name: TEST_USER, canCreateRepos: false });
    const res = await post(`${hub.url}/api/repos/create`, { name: unique('m'), type: 'model' }, auth(writer));
    expect(res.status).toBe(403);
  });

  test('pausing a Space: 403 unless the caller owns it, 404 when it is missing', async () => {
    const space = `${TEST_USER}/${unique('space')}`;
    hub.createSpace(space, 'RUNNING');
    expect((await post(`${hub.url}/api/spaces/${space}/pause`, {}, auth(OTHER_TOKEN))).status).toBe(403);
    expect((await post(`${hub.url}/api/spaces/${TEST_USER}/missing/pause`, {})).status).toBe(404);
    expect((await post(`${hub.url}/api/spaces/${space}/pause`, {})).body).toMatchObject({ stage: 'PAUSED' });
  });

  test('a private Space is missing to others (401 RepoNotFound); discussions of a deleted Space are 404', async () => {
    const space = `${TEST_USER}/${unique('private')}`;
    hub.createSpace(space, 'RUNNING', 'cpu-basic', { private: true });
    const hidden = await fetch(`${hub.url}/api/spaces/${space}/runtime`, { headers: auth(OTHER_TOKEN) });
    expect(hidden.status).toBe(401);
    expect(hidden.headers.get('x-error-code')).toBe('RepoNotFound');
    expect((await fetch(`${hub.url}/api/spaces/${space}/runtime`, { headers: auth() })).status).toBe(200);

    hub.deleteSpace(space);
    const gone = await fetch(`${hub.url}/api/spaces/${space}/discussions`, { headers: auth() });
    expect(gone.status).toBe(404);
    expect(gone.headers.get('x-error-code')).toBe('RepoNotFound');
  });
});
