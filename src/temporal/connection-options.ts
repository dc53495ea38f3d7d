/**
 * How every part connects to Temporal: the receiver's and doctor's client Connection, the worker's
 * NativeConnection, and the embedded dev server (plain gRPC on localhost). TLS and API keys come from the
 * environment under the `@temporalio/envconfig` names (see src/config/temporal-env.ts).
 */
import { readFileSync } from 'node:fs';
import { Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Env } from '../config/env';

export const DEFAULT_ADDRESS = 'localhost:7233';

type TemporalConnectionEnv = Pick<
  Env,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_CERT_DATA'
  | 'TEMPORAL_TLS_CLIENT_KEY_DATA'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'
  | 'TEMPORAL_TLS_SERVER_NAME'
>;

/** What both connection kinds accept (their option types share these fields). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/**
 * The options for `address` (TEMPORAL_ADDRESS, or an embedded dev server's): TLS when asked for or implied by
 * a certificate, a CA, a server name or an API key (Temporal Cloud's API-key endpoints are TLS-only), as
 * `@temporalio/envconfig` does. An embedded dev server (`embedded: true`) is always plain.
 */
export function temporalConnectionOptions(
  env: TemporalConnectionEnv,
  options: { address?: string; embedded?: boolean } = {},
): TemporalConnectionOptions {
  const address = options.address ?? env.TEMPORAL_ADDRESS ?? DEFAULT_ADDRESS;
  if (options.embedded) return { address };
  const cert = pem(env.TEMPORAL_TLS_CLIENT_CERT_PATH, env.TEMPORAL_TLS_CLIENT_CERT_DATA);
  const key = pem(env.TEMPORAL_TLS_CLIENT_KEY_PATH, env.TEMPORAL_TLS_CLIENT_KEY_DATA);
  const ca = pem(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH, env.TEMPORAL_TLS_SERVER_CA_CERT_DATA);
  const serverName = env.TEMPORAL_TLS_SERVER_NAME;
  const anyTlsSetting = Boolean(cert || key || ca || serverName);
  const tlsOn = env.TEMPORAL_TLS ?? (anyTlsSetting || env.TEMPORAL_API_KEY !== undefined);
  let tls: TLSConfig | boolean | undefined;
  if (tlsOn) {
    tls = anyTlsSetting
      ? {
          ...(serverName ? { serverNameOverride: serverName } : {}),
          ...(ca ? { serverRootCACertificate: ca } : {}),
          ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
        }
      : true;
  }
  return {
    address,
    // An explicit TEMPORAL_TLS=false is said as such: the SDK turns TLS on for an API key unless told not to.
    ...(tls !== undefined ? { tls } : tlsOn === false && env.TEMPORAL_API_KEY !== undefined ? { tls: false } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

function pem(path: string | undefined, data: string | undefined): Buffer | undefined {
  if (path) return readFileSync(path);
  return data ? Buffer.from(data, 'utf8') : undefined;
}

/** A one-line description of how we connect, safe to log (no key, no certificate content). */
export function describeConnection(options: TemporalConnectionOptions): string {
  const tls = options.tls === undefined || options.tls === false ? 'plain' : 'TLS';
  const mtls = typeof options.tls === 'object' && options.tls.clientCertPair ? ', client certificate' : '';
  const name =
    typeof options.tls === 'object' && options.tls.serverNameOverride
      ? `, server name ${options.tls.serverNameOverride}`
      : '';
  return `${options.address} (${tls}${mtls}${name}${options.apiKey ? ', API key' : ''})`;
}

/**
 * Turns a failed connection into an error that says where and how we tried and what to check, without the
 * key or the certificates. The cause's own message (from gRPC or rustls) is kept.
 */
export function connectionFailure(options: TemporalConnectionOptions, err: unknown): Error {
  const cause = redact((err as Error)?.message ?? String(err), options);
  const hint =
    options.tls === undefined || options.tls === false
      ? 'Is the server running and TEMPORAL_ADDRESS right? For Temporal Cloud set TEMPORAL_API_KEY or the TEMPORAL_TLS_* variables.'
      : 'Check TEMPORAL_ADDRESS, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS_SERVER_CA_CERT_PATH, and the client certificate or API key (TEMPORAL_TLS=false if the server is plain gRPC).';
  return new Error(`could not connect to Temporal at ${describeConnection(options)}: ${cause}. ${hint}`);
}

function redact(message: string, options: TemporalConnectionOptions): string {
  return options.apiKey ? message.split(options.apiKey).join('[redacted]') : message;
}

/** A client Connection (receiver, doctor). `lazy` connects on first use, so a receiver starts while Temporal is down. */
export async function connectClient(
  options: TemporalConnectionOptions,
  lazy = false,
  connectTimeoutMs?: number,
): Promise<Connection> {
  const connectionOptions: ConnectionOptions = { ...options, connectTimeout: connectTimeoutMs };
  if (lazy) return Connection.lazy(connectionOptions);
  return Connection.connect(connectionOptions).catch((err: unknown) => {
    throw connectionFailure(options, err);
  });
}

/** The worker's NativeConnection. */
export async function connectWorker(options: TemporalConnectionOptions): Promise<NativeConnection> {
  return NativeConnection.connect({ ...options }).catch((err: unknown) => {
    throw connectionFailure(options, err);
  });
}
