/**
 * Security headers (helmet) on the status page and the API, a nonce-only Content-Security-Policy for the
 * page's inline script, framing allowed only by the Hub (Spaces) and itself, and the write API's size and
 * rate limits.
 */
import type { Client } from '@temporalio/client';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { createApp } from '../../src/server/app';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { testClient, unique } from '../helpers/temporal';

const ADMIN = 'admin-token-for-hardening-tests';
let client: Client;

beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
});

function app(writeRequestsPerMinute?: number) {
  return createApp({
    pipelines: parseConfig({ name: unique('hard'), target_namespace: 'a', input_dataset: 'a/b', input_model: 'm' }),
    webhookSecret: 'a-webhook-secret-123',
    recorder: new UpdateRecorder(client, unique('hard'), 2000),
    client,
    logger: createLogger('silent'),
    adminToken: ADMIN,
    writeRequestsPerMinute,
  });
}

test('the status page carries a nonce-only CSP that its inline script and style use', async () => {
  const res = await request(app()).get('/');
  expect(res.status).toBe(200);
  const csp = res.headers['content-security-policy'] as string;
  const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeDefined();
  expect(csp).not.toContain('unsafe-inline');
  expect(res.text).toContain(`<script nonce="${nonce}">`);
  expect(res.text).toContain(`<style nonce="${nonce}">`);
  expect(csp).toContain("frame-ancestors 'self' https://huggingface.co https://*.hf.space");
  const again = await request(app()).get('/');
  expect(again.headers['content-security-policy']).not.toBe(csp); // a fresh nonce per answer
});

test('API answers carry the usual hardening headers and no X-Powered-By', async () => {
  const res = await request(app()).get('/api/openapi.json');
  expect(res.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': expect.stringContaining('max-age=') as unknown,
    'cross-origin-opener-policy': 'same-origin',
  });
  expect(res.headers['x-powered-by']).toBeUndefined();
});

test('the write API refuses bodies over 16 KiB and is rate-limited per client, failed attempts included', async () => {
  const limited = app(5);
  const big = await request(limited)
    .post(`/api/runs/${encodeURIComponent('retrain:x:y')}/approve`)
    .set('Authorization', `Bearer ${ADMIN}`)
    .send({ comment: 'x'.repeat(20_000) });
  expect(big.status).toBe(413);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await request(limited)
      .post('/api/pipelines/nope/trigger')
      .set('Authorization', 'Bearer wrong-token-xxxxxxxx');
    statuses.push(res.status);
  }
  expect(statuses.slice(0, 4)).toEqual([403, 403, 403, 403]);
  const last = await request(limited).post('/api/pipelines/nope/trigger').set('Authorization', `Bearer ${ADMIN}`);
  expect(last.status).toBe(429);
  expect(last.headers.ratelimit).toBeDefined();
  // Reads are not limited.
  expect((await request(limited).get('/healthz')).status).toBe(200);
});
