/**
 * The whole product in processes, against the fakes: a dev server, `hub-retrain worker` and
 * `hub-retrain server` (compiled, LOG_LEVEL=warn), with the fake Hub and fake AutoTrain served here.
 * For the benchmarks that follow a delivery to the backend (storm, delivery to training start).
 */
import type { TrainingScript } from '../../test/fakes/fake-autotrain';
import { BENCH_USER, startFakes, type BenchFakes } from './fakes';
import type { Proc } from './processes';
import { startReceiver, startTemporal, startWorker, type Receiver, type TemporalServer } from './stack';

export interface PipelineStack {
  temporal: TemporalServer;
  fakes: BenchFakes;
  worker: Proc;
  receiver: Receiver;
  /** Pipeline names, each on its own dataset `acme/<name>` (created on the fake Hub). */
  pipelines: string[];
  datasetOf(name: string): string;
  /** Replaces the receiver with another build of it (e.g. the one before issue 8). */
  swapReceiver(cli?: string): Promise<Receiver>;
  stop(): Promise<void>;
}

export async function startPipelineStack(options: {
  pipelines: string[];
  script: TrainingScript;
  taskQueue: string;
  extra?: Record<string, unknown>;
}): Promise<PipelineStack> {
  const temporal = await startTemporal();
  const fakes = await startFakes(options.script);
  const datasetOf = (name: string) => `${BENCH_USER}/${name}`;
  for (const name of options.pipelines) fakes.hub.addDataset(datasetOf(name));
  const config = {
    pipelines: options.pipelines.map((name) => ({
      name,
      target_namespace: BENCH_USER,
      input_dataset: datasetOf(name),
      input_model: 'bench/base-model',
      autotrain_project_prefix: name,
      debounce_seconds: 0,
      ...options.extra,
    })),
  };
  const env = { temporalAddress: temporal.address, taskQueue: options.taskQueue, extra: fakes.workerEnv };
  const worker = await startWorker(temporal.client, env);
  const stack: PipelineStack = {
    temporal,
    fakes,
    worker,
    receiver: await startReceiver({ ...env, config, name: options.taskQueue }),
    pipelines: options.pipelines,
    datasetOf,
    swapReceiver: async (cli?: string) => {
      await stack.receiver.proc.stop();
      stack.receiver = await startReceiver({ ...env, config, name: options.taskQueue, cli });
      return stack.receiver;
    },
    stop: async () => {
      await stack.receiver.proc.stop();
      await worker.stop();
      await fakes.stop();
      await temporal.stop();
    },
  };
  return stack;
}
