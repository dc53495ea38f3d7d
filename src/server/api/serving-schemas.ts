/**
 * The serving answers of the status API (README, "Serving"), registered with the OpenAPI document's schemas: a
 * run's `deployment`, which model serves a pipeline, a predict answer, a roll-back's start and state.
 */
import { z } from 'zod';
import { api, deploymentSchema, servedModelFields as servedModel } from './api-schemas';

const named = <T extends z.ZodType>(id: string, schema: T): T => {
  api.add(schema, { id });
  return schema;
};

const servingEntrySchema = named(
  'ServingEntry',
  z.strictObject({
    ...servedModel,
    target: z.enum(['endpoint', 'space', 'local']),
    since: z.string(),
    by: z.string(),
    reason: z.enum(['deploy', 'rollback', 'manual-rollback']),
  }),
);

export const servingViewSchema = named(
  'Serving',
  z.strictObject({
    pipeline: z.string(),
    target: z.enum(['endpoint', 'space', 'local']).nullable().describe("the pipeline's deploy target, if any"),
    current: servingEntrySchema.nullable().describe('the model in service, since when and who put it there'),
    history: z.array(servingEntrySchema).describe('what served before, newest first (at most 10)'),
    local: z
      .strictObject({
        revision: z.string().optional(),
        since: z.string().optional(),
        loading: z.string().optional(),
        error: z.string().optional(),
      })
      .optional()
      .describe("this receiver's predict endpoint (local pipelines): the revision answering, one being loaded"),
  }),
);

export const predictAnswerSchema = named(
  'PredictAnswer',
  z.strictObject({
    pipeline: z.string(),
    revision: z.string().describe('the model that answered'),
    predictions: z.array(z.strictObject({ label: z.string(), scores: z.record(z.string(), z.number()) })),
  }),
);

export const rollbackAcceptedSchema = named(
  'RollbackAccepted',
  z.strictObject({
    accepted: z.literal(true),
    pipeline: z.string(),
    workflowId: z.string().describe('the RollbackWorkflow: GET /api/rollbacks/{workflowId}'),
    to: z.string().nullable(),
  }),
);

export const rollbackViewSchema = named(
  'Rollback',
  z.strictObject({
    workflowId: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    deployment: deploymentSchema.optional(),
    error: z.string().optional(),
  }),
);

export type ServingView = z.output<typeof servingViewSchema>;
export type RollbackAccepted = z.output<typeof rollbackAcceptedSchema>;
export type RollbackView = z.output<typeof rollbackViewSchema>;
