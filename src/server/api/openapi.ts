/**
 * The OpenAPI 3.1 document served at /api/openapi.json. The paths are written here; the schemas are
 * generated from the zod schemas in api-schemas.ts that the server's code is typed with. A test checks
 * that every route the app serves is listed and that answers match their schemas.
 */
import { z } from 'zod';
import { api, RUN_STATUSES } from './api-schemas';
import { webhookPayloadSchema } from '../webhook/webhook-payload';
import { predictRequestSchema, rollbackRequestSchema } from './serving-router';
import './serving-schemas'; // registers the serving answers' schemas

type Json = Record<string, unknown>;

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });
const jsonBody = (schema: Json): Json => ({ content: { 'application/json': { schema } } });
const answer = (description: string, schema: Json, headers?: Json): Json => ({
  description,
  ...jsonBody(schema),
  ...(headers ? { headers } : {}),
});
const retryAfter = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } };

const err = (description: string): Json => answer(description, ref('Error'));
const unavailable = answer('Temporal is not reachable (or did not answer in time)', ref('Error'), retryAfter);
const adminErrors: Json = {
  401: err('no `Authorization: Bearer <ADMIN_TOKEN>` header'),
  403: err('wrong admin token, or the write API is disabled because ADMIN_TOKEN is not set on the receiver'),
  429: answer(
    'more write requests from this client than the limit (30 a minute by default), failed attempts included',
    ref('Error'),
    retryAfter,
  ),
};
const badPath = err('a malformed percent-encoding in the path (`/api/runs/%ff%fe`)');
const workflowIdParam = {
  name: 'workflowId',
  in: 'path',
  required: true,
  description: 'a RetrainWorkflow id, `retrain:<pipeline>:<revision>` (URL-encoded)',
  schema: { type: 'string' },
};

/** POST /api/runs/{workflowId}/approve and /reject. */
function decision(action: 'approve' | 'reject', summary: string): Json {
  return {
    post: {
      summary,
      security: [{ adminToken: [] }],
      parameters: [workflowIdParam],
      requestBody: { required: false, ...jsonBody(ref('Decision')) },
      responses: {
        202: answer(`the run took the decision (its \`decide\` Update) and returned it`, ref('ActionAccepted')),
        400: err('an invalid body, or a malformed percent-encoding in the path'),
        ...adminErrors,
        404: err('no such run'),
        409: err(
          "the run refused the decision (the Update's validator): it has ended, is not waiting for approval, or " +
            'was approved or rejected already (the error says by whom and when)',
        ),
        413: err('the body is over 16 KiB'),
        503: unavailable,
      },
    },
  };
}

const paths: Json = {
  '/webhook': {
    post: {
      summary: 'Receive a Hugging Face Hub webhook delivery (payload version 3)',
      security: [{ webhookSecret: [] }, { webhookSecretQuery: [] }],
      requestBody: { required: true, ...jsonBody(schemaOf(webhookPayloadSchema)) },
      responses: {
        200: answer('valid, but not for any pipeline', ref('WebhookIgnored')),
        202: answer('recorded in Temporal for every matching pipeline', ref('WebhookAccepted')),
        400: err('malformed JSON, or not a version-3 Hub payload (`issues` lists the paths)'),
        401: err('the X-Webhook-Secret header is missing'),
        403: err('the secret is wrong'),
        413: err('the body is over the limit (1 MiB)'),
        415: err('the body is not application/json'),
        503: unavailable,
      },
    },
  },
  '/healthz': { get: { summary: 'Liveness', responses: { 200: answer('alive', ref('Health')) } } },
  '/readyz': {
    get: {
      summary: 'Readiness: Temporal answers',
      responses: { 200: answer('ready', ref('Health')), 503: answer('Temporal is not reachable', ref('Health')) },
    },
  },
  '/': {
    get: {
      summary: 'The status page: pipelines, their active and recent runs (refreshes itself)',
      responses: { 200: { description: 'an HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/api/openapi.json': {
    get: {
      summary: 'This document',
      responses: {
        200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  },
  '/api/pipelines': {
    get: {
      summary: 'Every configured pipeline: policy, active run, waiting revision, last result, superseded revisions',
      description:
        "From each pipeline's `state` query; when it does not answer (no worker), from Temporal visibility with " +
        '`live: false`. A pipeline with no update yet shows its configuration and `started: false`.',
      responses: { 200: answer('the pipelines', ref('PipelineList')), 503: unavailable },
    },
  },
  '/api/pipelines/{name}/trigger': {
    post: {
      summary: "Train the current head of main of the pipeline's dataset now",
      description:
        'Records an update with no revision: the pipeline resolves the head through the Hub and trains it, ' +
        'unless that revision was trained, is training or is queued already (then nothing new starts).',
      security: [{ adminToken: [] }],
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        202: answer('recorded in Temporal', ref('TriggerAccepted')),
        400: badPath,
        ...adminErrors,
        404: err('no pipeline of that name'),
        503: unavailable,
      },
    },
  },
  '/api/pipelines/{name}/metrics': {
    get: {
      summary: "The pipeline's model across revisions: the promotion metric of every trained model, oldest first",
      description:
        'Reads the newest `limit` runs of the pipeline from visibility and how each ended (its result). Each run ' +
        'that trained a model is a point: the metric (the promotion metric, or accuracy when no gate is set), ' +
        'the baseline the gate compared it with, the verdict, and whether it is the model in service. ' +
        '`threshold` is what the next model must beat. The status page draws this series.',
      parameters: [
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
        {
          name: 'limit',
          in: 'query',
          required: false,
          description: 'how many of the newest runs to read',
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 200 },
        },
      ],
      responses: {
        200: answer('the series', ref('MetricSeries')),
        400: err('an invalid query parameter (`issues` says which)'),
        404: err('no pipeline of that name'),
        503: unavailable,
      },
    },
  },
  '/api/runs': {
    get: {
      summary: 'RetrainWorkflow runs from Temporal visibility, newest first',
      description:
        "Query `WorkflowType = 'RetrainWorkflow'` on the search attributes. `status`: running = ExecutionStatus " +
        'Running; succeeded = Completed; failed = Failed, TimedOut or Terminated (rejected runs are failed with ' +
        'outcome "rejected"); cancelled = Canceled.',
      parameters: [
        { name: 'pipeline', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: [...RUN_STATUSES] } },
        {
          name: 'revision',
          in: 'query',
          required: false,
          description: 'runs of this revision: a full sha (or content hash), or its first 4 characters or more',
          schema: { type: 'string', pattern: '^[0-9a-f]{4,40}$' },
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
      ],
      responses: {
        200: answer('the runs', ref('RunList')),
        400: err('an invalid query parameter (`issues` says which)'),
        503: unavailable,
      },
    },
  },
  '/api/runs/{workflowId}': {
    get: {
      summary: 'One run: stage, job link, progress, metrics, timings, the triggering delivery',
      description:
        "From the run's `progress` query; when it does not answer, from describe, memo and search attributes (`live: false`).",
      parameters: [workflowIdParam],
      responses: {
        200: answer('the run', ref('RunDetail')),
        400: badPath,
        404: err('no such run'),
        503: unavailable,
      },
    },
  },
  '/api/runs/{workflowId}/cancel': {
    post: {
      summary: 'Cancel a running run (it stops its training job and compensates)',
      security: [{ adminToken: [] }],
      parameters: [workflowIdParam],
      responses: {
        202: answer('cancellation requested', ref('ActionAccepted')),
        400: badPath,
        ...adminErrors,
        404: err('no such run'),
        409: err('the run has already ended'),
        503: unavailable,
      },
    },
  },
  '/api/runs/{workflowId}/training-ended': {
    post: {
      summary:
        "A Hugging Face job's own end notice: the job's command posts it as it exits, and the run checks its job at once",
      description:
        "The bearer token is the run's own (HMAC-SHA256 of the workflow id keyed with the webhook secret, given to " +
        'the job as a Jobs secret); it is compared in constant time. Nothing else is read.',
      security: [{ noticeToken: [] }],
      parameters: [workflowIdParam],
      responses: {
        202: answer('the run holds the notice', ref('TrainingEndedAccepted')),
        400: err('not a run id (retrain:<pipeline>:<revision>)'),
        401: err('no bearer token'),
        403: err("not this run's token"),
        409: err('the run is not running: nothing changes'),
        503: unavailable,
      },
    },
  },
  ...servingPaths(),
  '/api/runs/{workflowId}/approve': decision(
    'approve',
    'Approve a run that waits for approval (approval: "required"): it starts training',
  ),
  '/api/runs/{workflowId}/reject': decision('reject', 'Reject a run that waits for approval: it ends without training'),
};

/** The serving routes (serving-router.ts; README, "Serving"). */
function servingPaths(): Json {
  const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  return {
    '/api/pipelines/{name}/predict': {
      post: {
        summary: 'Predict with the model in service (local pipelines): `{"inputs": text or [texts]}`',
        description:
          "Answered by the model the registry's `current` points at. A promotion loads the new model beside the old " +
          'one, which answers until the new one is ready: no request fails during a swap.',
        parameters: [name],
        requestBody: { required: true, ...jsonBody(schemaOf(predictRequestSchema)) },
        responses: {
          200: answer('the predictions, and the revision that answered', ref('PredictAnswer')),
          400: err('an invalid body (`issues` says what), or an input the model cannot take'),
          404: err('no pipeline of that name, or not a local pipeline'),
          503: err('no model in service yet (or it could not be loaded)'),
        },
      },
    },
    '/api/pipelines/{name}/serving': {
      get: {
        summary: 'Which model serves the pipeline, since when, who put it there, and what served before',
        parameters: [name],
        responses: { 200: answer('the serving record', ref('Serving')), 400: badPath, 404: err('no pipeline') },
      },
    },
    '/api/pipelines/{name}/rollback': {
      post: {
        summary: 'Put an earlier model back in service (a RollbackWorkflow: deploy, health and smoke checks)',
        description: 'Without `to`: the model that served before the one serving now.',
        security: [{ adminToken: [] }],
        parameters: [name],
        requestBody: { required: false, ...jsonBody(schemaOf(rollbackRequestSchema)) },
        responses: {
          202: answer('started', ref('RollbackAccepted')),
          400: err('an invalid body'),
          ...adminErrors,
          404: err('no pipeline of that name'),
          409: err('the pipeline has no `deploy`, or a roll-back of it is already running'),
          503: unavailable,
        },
      },
    },
    '/api/rollbacks/{workflowId}': {
      get: {
        summary: 'A roll-back by hand: running (its deployment so far), completed or failed',
        parameters: [{ ...workflowIdParam, description: 'a RollbackWorkflow id, `rollback:<pipeline>`' }],
        responses: {
          200: answer('its state', ref('Rollback')),
          400: badPath,
          404: err('no such roll-back'),
          503: unavailable,
        },
      },
    },
  };
}

/** A zod schema as plain JSON Schema (no `$schema`/`$id`: the document itself says the dialect). */
function schemaOf(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Json;
  return rest;
}

let cached: Json | undefined;

export function openApiDocument(): Json {
  if (cached) return cached;
  const generated = z.toJSONSchema(api, { uri: (id) => `#/components/schemas/${id}` }).schemas as Record<string, Json>;
  const schemas: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(generated)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    schemas[id] = rest;
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'hub-retrain',
      version: '1.0.0',
      description:
        'The receiver of hub-retrain: Hub webhook intake, health, and the status API. Write routes need ' +
        '`Authorization: Bearer $ADMIN_TOKEN`. Errors are JSON `{"error"}`.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: "the receiver's ADMIN_TOKEN" },
        webhookSecret: { type: 'apiKey', in: 'header', name: 'X-Webhook-Secret' },
        webhookSecretQuery: { type: 'apiKey', in: 'query', name: 'secret' },
        noticeToken: { type: 'http', scheme: 'bearer', description: "a Jobs run's end-notice token" },
      },
    },
  };
  return cached;
}
