/**
 * Connecting to Temporal Cloud or a remote cluster: the options built from the environment (TLS, mTLS,
 * API key) agree with @temporalio/envconfig's for the same variables, bad settings name the variable, and a
 * TLS failure says what to check without leaking the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { loadEnv } from '../../src/config/env';
import { ConfigError } from '../../src/config/load-config';
import {
  connectClient,
  connectWorker,
  describeConnection,
  temporalConnectionOptions,
} from '../../src/temporal/connection-options';
import { testAddress } from '../helpers/temporal';

const dir = mkdtempSync(join(tmpdir(), 'hub-retrain-tls-'));
const CERT = '-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n';
const files = { cert: join(dir, 'client.pem'), key: join(dir, 'client.key'), ca: join(dir, 'ca.pem') };
writeFileSync(files.cert, CERT);
writeFileSync(files.key, KEY);
writeFileSync(files.ca, CA);

/** Builds both ways from the same variables. */
function both(vars: Record<string, string>) {
  const ours = temporalConnectionOptions(loadEnv(vars));
  const theirs = loadClientConnectConfig({ disableFile: true, overrideEnvVars: vars }).connectionOptions;
  return { ours, theirs };
}

test('mTLS from certificate and key files, a server CA and a server name, as envconfig reads them', () => {
  const { ours, theirs } = both({
    TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'acme.a1b2c',
    TEMPORAL_TLS_CLIENT_CERT_PATH: files.cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: files.key,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca,
    TEMPORAL_TLS_SERVER_NAME: 'acme.a1b2c.tmprl.cloud',
  });
  expect(ours).toEqual({
    address: 'acme.a1b2c.tmprl.cloud:7233',
    tls: {
      serverNameOverride: 'acme.a1b2c.tmprl.cloud',
      serverRootCACertificate: Buffer.from(CA),
      clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) },
    },
  });
  expect(ours.address).toBe(theirs.address);
  expect(ours.tls).toEqual(theirs.tls);
});

test('an API key turns TLS on, as envconfig does; TEMPORAL_TLS=false turns it off', () => {
  const vars = { TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'tmprl-api-key-123' };
  const { ours, theirs } = both(vars);
  expect(ours).toEqual({ address: vars.TEMPORAL_ADDRESS, tls: true, apiKey: 'tmprl-api-key-123' });
  expect(Boolean(theirs.tls)).toBe(true);
  expect(theirs.apiKey).toBe('tmprl-api-key-123');
  // Said as false, not left out: the SDK turns TLS on for an API key unless told not to.
  expect(temporalConnectionOptions(loadEnv({ ...vars, TEMPORAL_TLS: 'false' })).tls).toBe(false);
});

test('certificates given inline (a Space secret cannot be a file) work like files', () => {
  const options = temporalConnectionOptions(
    loadEnv({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY }),
  );
  expect(options.tls).toEqual({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
});

test('no TLS settings: plain gRPC; the embedded dev server is always plain', () => {
  expect(temporalConnectionOptions(loadEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({
    address: 'temporal:7233',
  });
  expect(temporalConnectionOptions(loadEnv({}), { address: 'localhost:7299', embedded: true })).toEqual({
    address: 'localhost:7299',
  });
});

function envError(vars: Record<string, string>): string {
  try {
    loadEnv(vars);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

test('a missing certificate file, a certificate without its key, or TLS without an address names the variable', () => {
  const missing = envError({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'nope.pem') });
  expect(missing).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH: no readable file at this path');
  expect(missing).toContain('TEMPORAL_TLS_CLIENT_KEY_PATH');

  expect(envError({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CLIENT_KEY_PATH: files.key })).toContain(
    'TEMPORAL_TLS_CLIENT_CERT_PATH: a client key needs its certificate',
  );
  expect(envError({ TEMPORAL_API_KEY: 'k' })).toContain('TEMPORAL_ADDRESS: TLS or an API key is set');
  const both = envError({
    TEMPORAL_ADDRESS: 'h:7233',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: files.ca,
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: CA,
  });
  expect(both).toContain('TEMPORAL_TLS_SERVER_CA_CERT_DATA: set either');
  expect(both).not.toContain('Y2E=');
});

test('describing a connection never shows the key or the certificates', () => {
  const options = temporalConnectionOptions(
    loadEnv({
      TEMPORAL_ADDRESS: 'h:7233',
      TEMPORAL_API_KEY: 'tmprl-secret-key',
      TEMPORAL_TLS_CLIENT_CERT_DATA: CERT,
      TEMPORAL_TLS_CLIENT_KEY_DATA: KEY,
      TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud',
    }),
  );
  const text = describeConnection(options);
  expect(text).toBe('h:7233 (TLS, client certificate, server name ns.tmprl.cloud, API key)');
});

test('TLS to a server that speaks plain gRPC fails with a message that says what to check, without the key', async () => {
  const options = temporalConnectionOptions(
    loadEnv({ TEMPORAL_ADDRESS: testAddress(), TEMPORAL_API_KEY: 'tmprl-secret-key', TEMPORAL_TLS: 'true' }),
  );
  for (const connect of [() => connectClient(options), () => connectWorker(options)]) {
    const err = await connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(`could not connect to Temporal at ${testAddress()} (TLS, API key)`);
    expect(err?.message).toContain('TEMPORAL_TLS=false if the server is plain gRPC');
    expect(err?.message).not.toContain('tmprl-secret-key');
  }
});
