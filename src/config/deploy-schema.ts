/**
 * `deploy`: where a pipeline's promoted model is put in service after a run promotes it (README, "Serving").
 * An Inference Endpoint pointed at the model's repo and exact revision, a Space told the revision through a
 * variable and restarted, or `local`: the receiver's own `POST /api/pipelines/:name/predict`.
 */
import { z } from 'zod';
import { durationSeconds } from './duration';

const HUB_REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const repoId = (what: string) =>
  z.string().regex(HUB_REPO, { message: `expected a Hub ${what} id of the form "owner/name"` });

/** The Inference Endpoints API (huggingface_hub `constants.py` INFERENCE_ENDPOINTS_ENDPOINT). */
export const ENDPOINTS_API_URL = 'https://api.endpoints.huggingface.cloud/v2';

/** The inputs sent after a deploy, and the labels the answers must carry. */
const smokeSchema = z.strictObject({
  /** Texts (or, for a Space, anything its smoke URL takes as `inputs`); each one request. */
  inputs: z.array(z.string().min(1)).min(1, { message: 'expected at least one smoke input' }).max(20),
  /** The labels the model answers with; default: the model's `config.json` `id2label`, else any label. */
  labels: z.array(z.string().min(1)).min(1).optional(),
  /** How long one smoke request may take. */
  timeout: durationSeconds.default(60),
});

const common = {
  /** How long the target may take to serve the new revision (state `running` / `RUNNING`) before it is rolled back. */
  ready_timeout: durationSeconds.default(30 * 60),
};

export const endpointDeploySchema = z.strictObject({
  type: z.literal('endpoint'),
  /** The Inference Endpoint's name. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, {
    message: 'expected an Inference Endpoint name: lower-case letters, digits and "-", at most 32 characters',
  }),
  /** The user or organisation that owns the endpoint (default: the pipeline's target_namespace). */
  namespace: z
    .string()
    .regex(/^[\w.-]+$/)
    .optional(),
  /** The model repo the endpoint serves (default: `publish.repo`, else the model the backend pushed). */
  repository: repoId('model').optional(),
  api_url: z.url({ message: 'expected an http(s) URL' }).default(ENDPOINTS_API_URL),
  smoke: smokeSchema,
  ...common,
});

export const spaceDeploySchema = z.strictObject({
  type: z.literal('space'),
  /** The Space that serves the model; it reads the revision from `variable`. */
  space: repoId('Space'),
  variable: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'expected an environment variable name such as MODEL_REVISION' })
    .default('MODEL_REVISION'),
  repository: repoId('model').optional(),
  /** Where the restarted Space answers `{"inputs": ...}` with its predictions. */
  smoke_url: z.url({ message: 'expected an http(s) URL' }),
  smoke: smokeSchema,
  ...common,
});

export const localDeploySchema = z.strictObject({
  type: z.literal('local'),
  /** Optional: inputs the receiver's predict endpoint must answer after a promotion. */
  smoke: smokeSchema.optional(),
  ...common,
});

export const deploySchema = z.discriminatedUnion('type', [endpointDeploySchema, spaceDeploySchema, localDeploySchema], {
  error: () => ({ message: 'expected "type": "endpoint", "space" or "local"' }),
});

export type DeployTarget = z.output<typeof deploySchema>;
export type DeployType = DeployTarget['type'];
