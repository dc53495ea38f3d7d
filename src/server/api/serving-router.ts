/**
 * Serving routes (README, "Serving"): the local predict endpoint (`POST /api/pipelines/:name/predict`), which model
 * serves a pipeline (`GET /api/pipelines/:name/serving`), and a roll-back by hand (`POST
 * /api/pipelines/:name/rollback`, admin token; `GET /api/rollbacks/:workflowId` for how it went).
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PipelineSpec } from '../../config/config-schema';
import { ServingRecord } from '../../registry/serving';
import { DeployLeases } from '../../registry/deploy-lease';
import { leaseHeldMessage, leaseHolderRuns } from '../../deploy/lease-holder';
import { NoModelError, type ModelServer } from '../../serving/model-server';
import { PredictionInputError } from '../../serving/predictor-process';
import { deploymentQuery, ROLLBACK_WORKFLOW, rollbackWorkflowId, type Deployment } from '../../workflows/definitions';
import type { RollbackWorkflow } from '../../workflows/rollback';
import { ConflictError, NotFoundError, sendApiError, sendError, sendValidationError } from './api-errors';
import { requireAdmin } from './require-admin';
import { withinDeadline } from '../common/temporal-call';

export interface ServingRouterDeps {
  pipelines: readonly PipelineSpec[];
  client: Client;
  taskQueue?: string;
  modelsDir?: string;
  models?: ModelServer;
  adminToken?: string;
  writeLimit: RequestHandler;
  logger: Logger;
  timeoutMs: number;
}

const MAX_INPUTS = 32;
export const predictRequestSchema = z.strictObject({
  inputs: z.union([z.string().min(1).max(100_000), z.array(z.string().min(1).max(100_000)).min(1).max(MAX_INPUTS)]),
});
export const rollbackRequestSchema = z.strictObject({
  to: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, { message: 'expected a revision of the registry' })
    .optional(),
  by: z.string().min(1).max(100).optional(),
});

type Handler = (req: Request, res: Response) => Promise<void>;

export function servingRouter(deps: ServingRouterDeps): Router {
  const router = express.Router();
  const handle =
    (fn: Handler) =>
    (req: Request, res: Response): void => {
      fn(req, res).catch((err: unknown) => sendApiError(res, err, deps.logger));
    };
  const pipelineOf = (req: Request): PipelineSpec => {
    const name = String(req.params.name);
    const spec = deps.pipelines.find((p) => p.name === name);
    if (!spec) throw new NotFoundError(`no pipeline "${name}"`);
    return spec;
  };
  const serving = deps.modelsDir ? new ServingRecord(deps.modelsDir) : undefined;
  const leases = deps.modelsDir ? new DeployLeases(deps.modelsDir) : undefined;

  /** A roll-back by hand while a run deploys would be undone by the run's own roll-back: refused until it ends. */
  async function refuseWhileDeploying(pipeline: string): Promise<void> {
    const lease = leases?.live(pipeline);
    // A roll-back by hand that still runs is refused by its workflow id, below.
    if (!lease || lease.holder === rollbackWorkflowId(pipeline)) return;
    if (await withinDeadline(deps.client, deps.timeoutMs, () => leaseHolderRuns(deps.client, lease))) {
      throw new ConflictError(leaseHeldMessage(pipeline, lease));
    }
  }

  router.post(
    '/api/pipelines/:name/predict',
    express.json({ limit: '4mb' }),
    handle(async (req, res) => {
      const spec = pipelineOf(req);
      const body = predictRequestSchema.safeParse(req.body ?? {});
      if (!body.success) return sendValidationError(res, 'body', body.error);
      if (!deps.models || spec.backend.type !== 'local') {
        return sendError(res, 404, { error: `pipeline "${spec.name}" is not served here: only local pipelines are` });
      }
      const inputs = typeof body.data.inputs === 'string' ? [body.data.inputs] : body.data.inputs;
      try {
        const answer = await deps.models.predict(spec.name, inputs);
        res.json({ pipeline: spec.name, ...answer });
      } catch (err) {
        if (err instanceof NoModelError) return sendError(res, 503, { error: err.message });
        if (err instanceof PredictionInputError) return sendError(res, 400, { error: err.message });
        throw err;
      }
    }),
  );

  router.get(
    '/api/pipelines/:name/serving',
    handle(async (req, res) => {
      const spec = pipelineOf(req);
      const file = serving?.read(spec.name);
      res.json({
        pipeline: spec.name,
        target: spec.deploy?.type ?? null,
        current: file?.current ?? null,
        history: file?.history.slice(0, 10) ?? [],
        ...(deps.models && spec.backend.type === 'local' ? { local: deps.models.status(spec.name) } : {}),
      });
    }),
  );

  router.post(
    '/api/pipelines/:name/rollback',
    deps.writeLimit,
    requireAdmin(deps.adminToken),
    express.json({ limit: '16kb' }),
    handle(async (req, res) => {
      const spec = pipelineOf(req);
      const body = rollbackRequestSchema.safeParse(req.body ?? {});
      if (!body.success) return sendValidationError(res, 'body', body.error);
      if (!spec.deploy) {
        return sendError(res, 409, { error: `pipeline "${spec.name}" has no deploy settings: nothing to roll back` });
      }
      if (!deps.taskQueue) return sendError(res, 503, { error: 'this receiver cannot start workflows' });
      await refuseWhileDeploying(spec.name);
      const workflowId = rollbackWorkflowId(spec.name);
      await withinDeadline(deps.client, deps.timeoutMs, () =>
        deps.client.workflow.start<typeof RollbackWorkflow>(ROLLBACK_WORKFLOW, {
          workflowId,
          taskQueue: deps.taskQueue!,
          args: [{ pipeline: spec, to: body.data.to, by: body.data.by ?? 'admin (API)' }],
        }),
      ).catch((err: unknown) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new ConflictError(`a roll-back of "${spec.name}" is already running (${workflowId}): wait for it`);
        }
        throw err;
      });
      res.status(202).json({ accepted: true, pipeline: spec.name, workflowId, to: body.data.to ?? null });
    }),
  );

  router.get(
    '/api/rollbacks/:workflowId',
    handle(async (req, res) => {
      const workflowId = String(req.params.workflowId);
      if (!workflowId.startsWith('rollback:')) throw new NotFoundError(`no roll-back ${workflowId}`);
      res.json(await rollbackView(deps, workflowId));
    }),
  );
  return router;
}

/** A roll-back's state: running (with its deployment so far), or how it ended. */
async function rollbackView(
  deps: ServingRouterDeps,
  workflowId: string,
): Promise<{ workflowId: string; status: string; deployment?: Deployment; error?: string }> {
  const handle = deps.client.workflow.getHandle<typeof RollbackWorkflow>(workflowId);
  try {
    const description = await withinDeadline(deps.client, deps.timeoutMs, () => handle.describe());
    const status = description.status.name;
    if (status === 'RUNNING') {
      const deployment = await withinDeadline(deps.client, deps.timeoutMs, () => handle.query(deploymentQuery)).catch(
        () => undefined,
      );
      return { workflowId, status: 'running', deployment };
    }
    try {
      const deployment = await withinDeadline(deps.client, deps.timeoutMs, () => handle.result());
      return { workflowId, status: 'completed', deployment };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      return { workflowId, status: 'failed', error: err.cause?.message ?? err.message };
    }
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no roll-back ${workflowId}`);
    throw err;
  }
}
