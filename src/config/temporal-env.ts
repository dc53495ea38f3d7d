/**
 * The environment variables that say how to reach Temporal beyond a plain `host:port`: TLS (mTLS client
 * certificate, server CA, server name) and API keys, as Temporal Cloud and remote clusters need. Names follow
 * the `@temporalio/envconfig` conventions, so the same variables work for the `temporal` CLI.
 */
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A path that must name a readable file; the error names the variable (zod adds the key), never the content. */
const readableFile = z.preprocess(
  blankToUndefined,
  z
    .string()
    .refine(
      (path) => {
        try {
          accessSync(path, constants.R_OK);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'no readable file at this path' },
    )
    .optional(),
);

/** PEM text given inline (a Space secret cannot be a file). */
const pemData = z.preprocess(
  blankToUndefined,
  z.string().includes('-----BEGIN', { message: 'expected PEM text (-----BEGIN ...)' }).optional(),
);

const flag = z.preprocess(
  blankToUndefined,
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1')
    .optional(),
);

export const temporalEnvShape = {
  /** Temporal Cloud API key (sent as a bearer token; turns TLS on unless TEMPORAL_TLS=false). */
  TEMPORAL_API_KEY: z.preprocess(blankToUndefined, z.string().min(1).optional()),
  /** Force TLS on (true) or off (false); by default on when any TLS setting or an API key is given. */
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CLIENT_CERT_PATH: readableFile,
  TEMPORAL_TLS_CLIENT_KEY_PATH: readableFile,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: readableFile,
  TEMPORAL_TLS_CLIENT_CERT_DATA: pemData,
  TEMPORAL_TLS_CLIENT_KEY_DATA: pemData,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: pemData,
  /** The name the server's certificate must carry, when it differs from the address's host. */
  TEMPORAL_TLS_SERVER_NAME: z.preprocess(blankToUndefined, z.string().min(1).optional()),
};

type TemporalEnv = { [K in keyof typeof temporalEnvShape]?: z.output<(typeof temporalEnvShape)[K]> } & {
  TEMPORAL_ADDRESS?: string;
};

/** Cross-variable rules: one source per item, certificate and key together, no TLS for the embedded server. */
export function checkTemporalEnv(env: TemporalEnv, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  for (const item of ['CLIENT_CERT', 'CLIENT_KEY', 'SERVER_CA_CERT'] as const) {
    const path = `TEMPORAL_TLS_${item}_PATH` as const;
    const data = `TEMPORAL_TLS_${item}_DATA` as const;
    if (env[path] && env[data]) issue(data, `set either ${path} or ${data}, not both`);
  }
  const hasCert = Boolean(env.TEMPORAL_TLS_CLIENT_CERT_PATH ?? env.TEMPORAL_TLS_CLIENT_CERT_DATA);
  const hasKey = Boolean(env.TEMPORAL_TLS_CLIENT_KEY_PATH ?? env.TEMPORAL_TLS_CLIENT_KEY_DATA);
  if (hasCert && !hasKey) issue('TEMPORAL_TLS_CLIENT_KEY_PATH', 'a client certificate needs its key');
  if (hasKey && !hasCert) issue('TEMPORAL_TLS_CLIENT_CERT_PATH', 'a client key needs its certificate');
  if (env.TEMPORAL_TLS === false && (hasCert || env.TEMPORAL_TLS_SERVER_CA_CERT_PATH || env.TEMPORAL_TLS_SERVER_NAME)) {
    issue('TEMPORAL_TLS', 'TEMPORAL_TLS=false, but TLS settings are given');
  }
  if (!env.TEMPORAL_ADDRESS && (env.TEMPORAL_API_KEY || env.TEMPORAL_TLS || hasCert)) {
    issue(
      'TEMPORAL_ADDRESS',
      'TLS or an API key is set but TEMPORAL_ADDRESS is not: the embedded dev server speaks plain gRPC; set TEMPORAL_ADDRESS to your cluster',
    );
  }
}
