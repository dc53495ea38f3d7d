/** Replay scenarios of the deploy after a promotion (patch 'deploy-after-promotion') and of a roll-back by hand. */
import type { ScenarioContext } from './scenario-context';
import { pipelineSpec, TEST_TOKEN, TEST_USER } from '../helpers/stack';
import { unique } from '../helpers/temporal';
import { FakeEndpoints } from '../fakes/fake-endpoints';
import {
  RETRAIN_WORKFLOW,
  retrainWorkflowId,
  ROLLBACK_WORKFLOW,
  rollbackWorkflowId,
} from '../../src/workflows/definitions';
import type { RetrainWorkflow } from '../../src/workflows/retrain';
import type { RollbackWorkflow } from '../../src/workflows/rollback';

/** A fresh endpoint on a fake Endpoints API for the scenario, and a pipeline that deploys to it. */
async function withEndpoint<T>(
  ctx: ScenarioContext,
  drive: (
    run: (revision?: string) => Promise<string>,
    endpoints: FakeEndpoints,
    overrides: Record<string, unknown>,
  ) => Promise<T>,
): Promise<T> {
  const endpoints = await new FakeEndpoints(ctx.fakes.hub).start();
  try {
    const name = unique('ep');
    const before = `${TEST_USER}/${unique('before')}`;
    endpoints.addEndpoint({
      namespace: TEST_USER,
      name,
      repository: before,
      revision: ctx.fakes.hub.putFile('model', before, 'README.md', '# before\n'),
    });
    const overrides = {
      name: unique('served'),
      deploy: { type: 'endpoint', name, api_url: endpoints.url, smoke: { inputs: ['a cat'], labels: ['LABEL_0'] } },
    };
    const pipeline = pipelineSpec(ctx.fakes, overrides);
    const run = async (revision = ctx.fakes.hub.head(ctx.fakes.dataset)) => {
      const handle = await ctx.client.workflow.start<typeof RetrainWorkflow>(RETRAIN_WORKFLOW, {
        workflowId: retrainWorkflowId(pipeline.name, revision),
        taskQueue: ctx.taskQueue,
        args: [{ pipeline, revision, attempt: 1 }],
      });
      await handle.result().catch(() => undefined);
      return handle.workflowId;
    };
    return await drive(run, endpoints, overrides);
  } finally {
    await endpoints.stop();
  }
}

export const DEPLOY_SCENARIOS = {
  'retrain-deployed-to-endpoint': (ctx: ScenarioContext) => withEndpoint(ctx, (run) => run()),
  'retrain-deploy-rolled-back': (ctx: ScenarioContext) =>
    withEndpoint(ctx, async (run, endpoints) => {
      await run();
      endpoints.defaultBehaviour = { answer: 'nonsense' };
      return run(ctx.fakes.hub.pushCommit(ctx.fakes.dataset));
    }),
  /** A token without write access: the update is refused, nothing changed (patch 'deploy-refused-unchanged'). */
  'retrain-deploy-refused-unchanged': (ctx: ScenarioContext) =>
    withEndpoint(ctx, (run, endpoints) => {
      endpoints.readOnlyTokens.add(TEST_TOKEN);
      return run();
    }),
  'rollback-by-hand': (ctx: ScenarioContext) =>
    withEndpoint(ctx, async (run, _endpoints, overrides) => {
      await run();
      await run(ctx.fakes.hub.pushCommit(ctx.fakes.dataset));
      const pipeline = pipelineSpec(ctx.fakes, overrides);
      const handle = await ctx.client.workflow.start<typeof RollbackWorkflow>(ROLLBACK_WORKFLOW, {
        workflowId: rollbackWorkflowId(pipeline.name),
        taskQueue: ctx.taskQueue,
        args: [{ pipeline, by: 'alice' }],
      });
      await handle.result();
      return handle.workflowId;
    }),
};
