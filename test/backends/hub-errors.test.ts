/**
 * The Hub's error answers on the calls hub-retrain writes by hand (Space runtime, discussions) keep their
 * status and Retry-After, so they are classified like every other answer. Found by the chaos suite ("backend
 * answers bursts of 500": a 503 on the announcement read as a lost connection).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpError } from '../../src/http/http-error';
import { publishModelFolder } from '../../src/registry/publish-model';
import { outcomeUnknown } from '../../src/http/unknown-outcome';
import { HubClient } from '../../src/hub/hub-client';
import { FakeHub } from '../fakes/fake-hub';
import { TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { unique } from '../helpers/temporal';

let hub: FakeHub;
let client: HubClient;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TEST_TOKEN, { name: TEST_USER }).start();
  client = new HubClient({ endpoint: hub.url, token: TEST_TOKEN });
});

afterAll(async () => {
  await hub?.stop();
});

test("a 429 on the Space runtime keeps its status and the Hub's Retry-After", async () => {
  const space = `${TEST_USER}/${unique('autotrain')}`;
  hub.createSpace(space, 'RUNNING');
  hub.faults.add({ method: 'GET', path: `/api/spaces/${space}/runtime`, times: 1, status: 429, retryAfter: 7 });

  const err = await client.spaceRuntime(space).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({ status: 429, retryAfterMs: 7000 });
  expect(await client.spaceRuntime(space)).toMatchObject({ stage: 'RUNNING' });
});

test('a 503 on the discussion POST is a refusal, not a write whose outcome is unknown', async () => {
  const dataset = `${TEST_USER}/${unique('ds')}`;
  hub.addDataset(dataset);
  hub.faults.add({ method: 'POST', path: `/api/datasets/${dataset}/discussions`, times: 1, status: 503 });

  const err = await client
    .postDiscussionOnce({ type: 'dataset', name: dataset }, '✅ [hub-retrain] x retrained on 0123456', 'body')
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({ status: 503 });
  expect(outcomeUnknown(err)).toBe(false);
});

test('publishing with a token that may write but not create repos: the existing repo is used, as create_repo(exist_ok) does', async () => {
  const writer = 'hf_fine_grained_writer_abcdef0123';
  hub.addToken(writer, { name: TEST_USER, canCreateRepos: false });
  const repo = `${TEST_USER}/${unique('model')}`;
  hub.addModel(repo);
  const folder = mkdtempSync(join(tmpdir(), 'publish-'));
  writeFileSync(join(folder, 'model.json'), '{"weights": [1, 2]}');

  const published = await publishModelFolder({
    hubUrl: hub.url,
    token: writer,
    repo,
    folder,
    private: true,
    commitTitle: 'hub-retrain: new model',
  });
  expect(published.commit).toBe(hub.repos.head('model', repo).sha);
  expect(hub.repos.file('model', repo, 'model.json')?.toString()).toBe('{"weights": [1, 2]}');

  // A repo that does not exist cannot be created with that token: the Hub's 403 stands.
  const missing = publishModelFolder({
    hubUrl: hub.url,
    token: writer,
    repo: `${TEST_USER}/${unique('absent')}`,
    folder,
    private: true,
    commitTitle: 'x',
  });
  await expect(missing).rejects.toMatchObject({ statusCode: 403 });
});
