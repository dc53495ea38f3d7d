/**
 * The contract-faithful fakes of the test suite (test/fakes: the Hub, AutoTrain Advanced and the Jobs API on the
 * Hub's host), served from the benchmark's own process, and the environment that points a worker at them.
 */
import { FakeAutotrain, type TrainingScript } from '../../test/fakes/fake-autotrain';
import { FakeHub, type RecordedRequest } from '../../test/fakes/fake-hub';
import { FakeJobs } from '../../test/fakes/fake-jobs';

export const BENCH_TOKEN = 'hf_bench_write_token_0123456789abcdef';
export const BENCH_USER = 'acme';

export interface BenchFakes {
  hub: FakeHub;
  autotrain: FakeAutotrain;
  jobs: FakeJobs;
  /** HF_ENDPOINT, HF_TOKEN and AUTOTRAIN_API_URL for a worker. */
  workerEnv: Record<string, string>;
  /** Requests the fake Hub has served: all, and Space runtime reads (one per AutoTrain status poll). */
  served(): { requests: number; runtimeReads: number };
  stop(): Promise<void>;
}

export async function startFakes(script: TrainingScript): Promise<BenchFakes> {
  const hub = new FakeHub().addToken(BENCH_TOKEN, { name: BENCH_USER });
  const jobs = new FakeJobs(hub);
  await hub.extend(jobs.router()).start();
  const autotrain = await new FakeAutotrain(hub).start();
  autotrain.defaultScript = script;
  // The fake Hub keeps every request for tests to inspect; a benchmark makes too many to keep: count them.
  let requests = 0;
  let runtimeReads = 0;
  hub.requests.push = (...recorded: RecordedRequest[]) => {
    for (const r of recorded) {
      requests += 1;
      if (r.method === 'GET' && r.path.endsWith('/runtime')) runtimeReads += 1;
    }
    return 0;
  };
  return {
    hub,
    autotrain,
    jobs,
    workerEnv: { HF_ENDPOINT: hub.url, HF_TOKEN: BENCH_TOKEN, AUTOTRAIN_API_URL: autotrain.url },
    served: () => ({ requests, runtimeReads }),
    stop: async () => {
      jobs.stop();
      await autotrain.stop();
      await hub.stop();
    },
  };
}
