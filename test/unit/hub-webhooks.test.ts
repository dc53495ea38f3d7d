/**
 * The Hub webhook client against the fake Hub's `/api/settings/webhooks` (docs/hub-webhooks-api.md): the
 * shapes huggingface_hub relies on, ownership by the token's user, and the errors.
 */
import { HttpError, MissingCredentialsError } from '../../src/http/http-error';
import { requestJson } from '../../src/http/request-json';
import { findWebhookFor, HubWebhooks } from '../../src/hub/hub-webhooks';
import { FakeHub } from '../fakes/fake-hub';

const TOKEN = 'hf_webhook_owner_0123456789';
const OTHER = 'hf_someone_else_0123456789';
let hub: FakeHub;

beforeAll(async () => {
  hub = await new FakeHub().addToken(TOKEN, { name: 'acme' }).addToken(OTHER, { name: 'bob' }).start();
});
afterAll(() => hub.stop());

test('create, list, find, delete; the webhook belongs to the token user', async () => {
  const hooks = new HubWebhooks({ endpoint: hub.url, token: TOKEN });
  const created = await hooks.create({
    url: 'https://r.example/webhook',
    watched: [{ type: 'dataset', name: 'acme/images' }],
    domains: ['repo'],
    secret: 's3cret-value',
  });
  expect(created).toMatchObject({
    url: 'https://r.example/webhook',
    watched: [{ type: 'dataset', name: 'acme/images' }],
    domains: ['repo'],
    secret: 's3cret-value',
    disabled: false,
  });
  expect(created.id).toMatch(/^[0-9a-f]{24}$/);

  const listed = await hooks.list();
  expect(listed.map((w) => w.id)).toEqual([created.id]);
  expect(findWebhookFor(listed, 'acme/images', 'https://r.example/webhook/')).toHaveLength(1);
  expect(findWebhookFor(listed, 'acme/other', 'https://r.example/webhook')).toHaveLength(0);
  expect(findWebhookFor(listed, 'acme/images', 'https://elsewhere.example/webhook')).toHaveLength(0);
  expect(await new HubWebhooks({ endpoint: hub.url, token: OTHER }).list()).toEqual([]);

  await expect(new HubWebhooks({ endpoint: hub.url, token: OTHER }).delete(created.id)).rejects.toMatchObject({
    status: 404,
  });
  await hooks.delete(created.id);
  expect(await hooks.list()).toEqual([]);
});

test('get, update, disable and enable answer {webhook} as huggingface_hub expects', async () => {
  const hooks = new HubWebhooks({ endpoint: hub.url, token: TOKEN });
  const { id } = await hooks.create({
    url: 'https://a.example/webhook',
    watched: [{ type: 'user', name: 'acme' }],
    domains: ['repo'],
  });
  const call = (path: string, body?: unknown) =>
    requestJson<{ webhook: { url: string; disabled: boolean; domains: string[] } }>(
      `${hub.url}/api/settings/webhooks/${id}${path}`,
      { method: body === undefined && path === '' ? 'GET' : 'POST', token: TOKEN, body },
    );
  expect((await call('')).body.webhook.url).toBe('https://a.example/webhook');
  expect((await call('/disable', {})).body.webhook.disabled).toBe(true);
  expect((await call('/enable', {})).body.webhook.disabled).toBe(false);
  const updated = await call('', { url: 'https://b.example/webhook', domains: ['repo', 'discussion'] });
  expect(updated.body.webhook).toMatchObject({ url: 'https://b.example/webhook', domains: ['repo', 'discussion'] });
  await hooks.delete(id);
});

test('errors: no token is refused before any request, a bad token is 401, a bad body is 400', async () => {
  await expect(new HubWebhooks({ endpoint: hub.url }).list()).rejects.toBeInstanceOf(MissingCredentialsError);
  await expect(new HubWebhooks({ endpoint: hub.url, token: 'hf_unknown_token_0000' }).list()).rejects.toMatchObject({
    status: 401,
  });
  const bad = new HubWebhooks({ endpoint: hub.url, token: TOKEN }).create({
    url: 'not a url',
    watched: [{ type: 'dataset', name: 'acme/images' }],
    domains: ['repo'],
  });
  await expect(bad).rejects.toBeInstanceOf(HttpError);
  await expect(bad).rejects.toMatchObject({ status: 400 });
});

test('a webhook watching a kind the client does not know (a collection) is listed as it is; create still works', async () => {
  const hooks = new HubWebhooks({ endpoint: hub.url, token: TOKEN });
  const { id } = await hooks.create({
    url: 'https://c.example/webhook',
    watched: [{ type: 'dataset', name: 'acme/images' }],
    domains: ['repo'],
  });
  // The Hub added a kind of watched item after huggingface_hub's list of five.
  hub.webhooksOf('acme').push({
    id: 'b'.repeat(24),
    url: 'https://c.example/other',
    watched: [{ type: 'collection', name: 'acme/favourites-0123456789abcdef' }],
    domains: ['repo'],
    secret: null,
    disabled: false,
  });

  const listed = await hooks.list();
  expect(listed.map((w) => w.watched[0])).toEqual([
    { type: 'dataset', name: 'acme/images' },
    { type: 'collection', name: 'acme/favourites-0123456789abcdef' },
  ]);
  expect(findWebhookFor(listed, 'acme/images', 'https://c.example/webhook').map((w) => w.id)).toEqual([id]);
  await hooks.delete(id);
  await hooks.delete('b'.repeat(24));
});
