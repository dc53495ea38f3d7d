/**
 * Probes of the receiver's routes from the hostile-input review (issue 15), generated: every spelling of a
 * write route that Express matches (its routing ignores case and a trailing slash) counts against the write
 * rate limit, and a route parameter with a malformed percent-encoding is a 400 with the usual JSON error,
 * never a 500.
 */
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import request from 'supertest';
import { parseConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging';
import { createApp } from '../../src/server/app';
import { UpdateRecorder } from '../../src/server/webhook/record-update';
import { testClient, unique } from '../helpers/temporal';

const ADMIN = 'admin-token-for-route-probes';
let client: Client;

beforeAll(async () => {
  client = await testClient();
});
afterAll(async () => {
  await client.connection.close();
});

function app(writeRequestsPerMinute?: number) {
  return createApp({
    pipelines: parseConfig({ name: unique('probe'), target_namespace: 'a', input_dataset: 'a/b', input_model: 'm' }),
    webhookSecret: 'a-webhook-secret-123',
    recorder: new UpdateRecorder(client, unique('probe'), 2000),
    client,
    logger: createLogger('silent'),
    adminToken: ADMIN,
    writeRequestsPerMinute,
  });
}

const WRITE_ROUTES = [
  '/api/pipelines/nope/trigger',
  '/api/runs/retrain:x:y/cancel',
  '/api/runs/retrain:x:y/approve',
  '/api/runs/retrain:x:y/reject',
];

/** The same path with each letter's case flipped or not, and maybe a trailing slash: Express routes them all. */
const spelling = fc
  .tuple(fc.constantFrom(...WRITE_ROUTES), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.boolean())
  .map(([path, flips, slash]) => {
    const cased = [...path].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');
    return slash ? `${cased}/` : cased;
  });

test('every spelling of a write route counts against the one write rate limit (no bypass by case)', async () => {
  const limit = 5;
  const limited = app(limit);
  // The attack as reported: the upper-case prefix with a wrong token, over and over.
  const statuses: number[] = [];
  for (let i = 0; i < limit + 3; i++) {
    const res = await request(limited).post('/API/pipelines/x/trigger').set('Authorization', 'Bearer wrong-token-x');
    statuses.push(res.status);
  }
  expect(statuses.slice(0, limit)).toEqual(Array(limit).fill(403));
  expect(statuses.slice(limit)).toEqual([429, 429, 429]);

  // Once limited, every other spelling that reaches a write route is limited too (one counter per client).
  const samples = fc.sample(spelling, { numRuns: 40, seed: 15 });
  for (const path of samples) {
    const res = await request(limited).post(path).set('Authorization', `Bearer ${ADMIN}`);
    expect({ path, status: res.status }).toEqual({ path, status: 429 });
  }
});

test('a fresh limiter counts mixed spellings together: the sixth write of any spelling is refused', async () => {
  const limited = app(5);
  const paths = fc.sample(spelling, { numRuns: 8, seed: 7 });
  const statuses: number[] = [];
  for (const path of paths) {
    statuses.push((await request(limited).post(path).set('Authorization', 'Bearer wrong-token-x')).status);
  }
  expect(statuses.slice(0, 5).every((s) => s === 403 || s === 404)).toBe(true);
  expect(statuses.slice(5)).toEqual([429, 429, 429]);
});

/** A path segment whose percent-encoding does not decode (decodeURIComponent throws on it). */
const malformed = fc
  .tuple(
    fc.constantFrom('%ff%fe', '%', '%e2%82', '%ed%a0%80', '%c0%af', '%zz', '%fe%ff%00', '%80'),
    fc.stringMatching(/^[a-z0-9:-]{0,12}$/),
  )
  .map(([bad, tail]) => `${tail}${bad}`);

test('a malformed percent-encoding in a route parameter is a 400 with the usual JSON error, on every route', async () => {
  const api = app();
  const routes: Array<(segment: string) => request.Test> = [
    (s) => request(api).get(`/api/runs/${s}`),
    (s) => request(api).post(`/api/runs/${s}/cancel`).set('Authorization', `Bearer ${ADMIN}`),
    (s) => request(api).post(`/api/runs/${s}/approve`).set('Authorization', `Bearer ${ADMIN}`).send({}),
    (s) => request(api).post(`/api/runs/${s}/reject`).set('Authorization', `Bearer ${ADMIN}`).send({}),
    (s) => request(api).post(`/api/pipelines/${s}/trigger`).set('Authorization', `Bearer ${ADMIN}`),
    (s) => request(api).get(`/API/RUNS/${s}`),
  ];
  // The probe as reported first.
  const reported = await request(api).get('/api/runs/%ff%fe');
  expect(reported.status).toBe(400);
  expect(reported.headers['content-type']).toMatch(/^application\/json/);
  expect(reported.body).toEqual({ error: expect.stringContaining('percent-encoding') as unknown });

  await fc.assert(
    fc.asyncProperty(malformed, fc.integer({ min: 0, max: routes.length - 1 }), async (segment, i) => {
      const res = await routes[i]!(segment);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringContaining('percent-encoding') as unknown });
    }),
    { numRuns: 60, seed: 15 },
  );
});
