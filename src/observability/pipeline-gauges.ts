/**
 * Queue depth and active runs per pipeline, read when Prometheus scrapes: the `state` query of each
 * configured pipeline's PipelineWorkflow (the public read path to a workflow's state; no workflow code
 * emits metrics). A pipeline that cannot be read within the deadline keeps no sample for that scrape.
 */
import type { Client } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import { pipelineStateQuery, pipelineWorkflowId } from '../workflows/definitions';

export interface PipelineLoad {
  pipeline: string;
  waiting: number;
  active: number;
}

/** Reads every pipeline's state, each within `timeoutMs`; pipelines not started yet are idle. */
export function pipelineLoadReader(client: Client, pipelines: readonly string[], timeoutMs = 2000) {
  return async (): Promise<PipelineLoad[]> => {
    const loads = await Promise.all(
      pipelines.map(async (pipeline): Promise<PipelineLoad | undefined> => {
        try {
          const state = await client.connection.withDeadline(Date.now() + timeoutMs, () =>
            client.workflow.getHandle(pipelineWorkflowId(pipeline)).query(pipelineStateQuery),
          );
          return { pipeline, waiting: state.waiting ? 1 : 0, active: state.active ? 1 : 0 };
        } catch (err) {
          const notFound = (err as Error).name === 'WorkflowNotFoundError';
          return notFound ? { pipeline, waiting: 0, active: 0 } : undefined;
        }
      }),
    );
    return loads.filter((l): l is PipelineLoad => l !== undefined);
  };
}

export function registerPipelineGauges(registry: Registry, read: () => Promise<PipelineLoad[]>): void {
  let pending: Promise<PipelineLoad[]> | undefined;
  // Both gauges are collected in one scrape: read the states once for both.
  const loads = (): Promise<PipelineLoad[]> => {
    pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  const gauge = (name: string, help: string, value: (load: PipelineLoad) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pipeline'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const load of await loads()) this.set({ pipeline: load.pipeline }, value(load));
      },
    });
  gauge(
    'hub_retrain_pipeline_queue_depth',
    'Revisions waiting to train, per pipeline (0 or 1: a newer revision replaces a waiting one)',
    (load) => load.waiting,
  );
  gauge('hub_retrain_pipeline_active_runs', 'Retrain runs in progress, per pipeline (0 or 1)', (load) => load.active);
}
