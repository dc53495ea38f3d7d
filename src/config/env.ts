import { z } from 'zod';
import { parsePayloadKeys } from './payload-keys';
import { ConfigError } from './load-config';
import { flattenIssues } from './format-issues';
import { checkTemporalEnv, temporalEnvShape } from './temporal-env';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());
const optionalPort = z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65_535).optional());
const milliseconds = (fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(600_000).default(fallback));
const hubToken = z.preprocess(
  blankToUndefined,
  z.string().startsWith('hf_', { message: 'expected a Hugging Face token starting with "hf_"' }).optional(),
);

export const envSchema = z.object({
  WEBHOOK_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .min(8, { message: 'expected at least 8 characters' })
      .regex(/^[\x20-\x7e]+$/, { message: 'expected printable ASCII (the Hub sends it in a header)' })
      .optional(),
  ),
  HF_TOKEN: hubToken,
  /** The original Space's name for the token. */
  HF_ACCESS_TOKEN: hubToken,
  HF_ENDPOINT: z
    .preprocess(blankToUndefined, z.url().default('https://huggingface.co'))
    .transform((u) => u.replace(/\/+$/, '')),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.preprocess(blankToUndefined, z.string().default('default')),
  TEMPORAL_TASK_QUEUE: z.preprocess(blankToUndefined, z.string().default('retrain')),
  TEMPORAL_CLI_PATH: optionalString,
  /** Ports of the embedded dev server (used only when TEMPORAL_ADDRESS is unset). */
  TEMPORAL_DEV_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(65_535).default(7233)),
  TEMPORAL_UI_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(65_535).default(8233)),
  PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65_535).default(7860)),
  RETRAIN_CONFIG: z.preprocess(blankToUndefined, z.string().default('./config.json')),
  /** Where the embedded dev server, the generated secret and local state live. */
  RETRAIN_STATE_DIR: z.preprocess(blankToUndefined, z.string().default('./.data')),
  /** The model registry: `<dir>/<pipeline>/<revision>/` per run and `<dir>/<pipeline>/current`. */
  RETRAIN_MODELS_DIR: z.preprocess(blankToUndefined, z.string().default('./models')),
  ADMIN_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
  ),
  AUTOTRAIN_API_URL: z.preprocess(blankToUndefined, z.url().optional()),
  /** Unset: info, and a terminal shows only run events, warnings and errors (see logging.ts). */
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
  /** `pretty` (readable lines) or `json` (one object per line); unset: pretty in a terminal, else JSON. */
  LOG_FORMAT: z.preprocess(
    blankToUndefined,
    z.enum(['pretty', 'json'], { message: 'expected pretty or json' }).optional(),
  ),
  /** The Temporal Web UI, for links in announcements (the embedded server's is set automatically). */
  TEMPORAL_UI_URL: z.preprocess(blankToUndefined, z.url().optional()),
  /** This receiver's public URL (as the Hub reaches it), for links in announcements. */
  PUBLIC_URL: z.preprocess(blankToUndefined, z.url().optional()),
  /** A pre-built workflow bundle for production workers. */
  WORKFLOW_BUNDLE_PATH: optionalString,
  /**
   * Encrypts workflow payloads (AES-256-GCM): comma-separated `id:base64key` (or bare base64) 32-byte keys;
   * the first encrypts, all decrypt. Client, worker and replayer must share it.
   */
  RETRAIN_PAYLOAD_KEY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine(validPayloadKeys, {
        message: 'expected comma-separated "id:base64key" entries of 32-byte keys (openssl rand -base64 32)',
      })
      .optional(),
  ),
  /** How long the receiver waits for Temporal before answering 503. */
  SIGNAL_TIMEOUT_MS: z.preprocess(blankToUndefined, z.coerce.number().int().min(100).default(5000)),
  /** Temporal Cloud and TLS clusters: see temporal-env.ts. */
  ...temporalEnvShape,
  /** The worker's Prometheus endpoint (Temporal SDK metrics and ours); unset = no worker metrics endpoint. */
  METRICS_PORT: optionalPort,
  /**
   * Workflows the worker keeps in memory (the SDK's maxCachedWorkflows), each several hundred KiB. A run waiting
   * for its training job needs no workflow task until the job ends, so a small cache costs a short replay at the
   * end of a wait, while a large one holds every waiting run (bench/RESULTS.md, "Scale of waiting").
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).default(500)),
  /** Tracing is on when an OTLP endpoint is set (the standard OpenTelemetry variables). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(blankToUndefined, z.url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(blankToUndefined, z.url().optional()),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(
    blankToUndefined,
    z.enum(['http/protobuf', 'http/json'], { message: 'expected http/protobuf or http/json' }).default('http/protobuf'),
  ),
  OTEL_SERVICE_NAME: optionalString,
  OTEL_SDK_DISABLED: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('false')),
  /** On SIGTERM: how long /readyz says 503 (and new deliveries get 503) before the listener closes. */
  SHUTDOWN_DRAIN_DELAY_MS: milliseconds(1000),
  /** On SIGTERM: how long in-flight requests and activities may take to finish. */
  SHUTDOWN_GRACE_MS: milliseconds(10_000),
});

export type Env = z.output<typeof envSchema> & { hfToken: string | undefined };

/** Reads the environment; a bad value throws a ConfigError naming the variable (never its value). */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.superRefine(checkTemporalEnv).safeParse(source);
  if (!result.success) throw new ConfigError('environment', flattenIssues(result.error));
  return { ...result.data, hfToken: result.data.HF_TOKEN ?? result.data.HF_ACCESS_TOKEN };
}

function validPayloadKeys(value: string): boolean {
  try {
    return parsePayloadKeys(value).length > 0;
  } catch {
    return false;
  }
}
