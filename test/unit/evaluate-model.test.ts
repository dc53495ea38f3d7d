/**
 * The evaluateModel activity decides whether a run publishes its model (the workflow only follows it):
 * promoted, `publish` set, and trained by the local backend (AutoTrain and Jobs push their model themselves).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOutcomeActivities, type Evaluation } from '../../src/activities/outcome-activities';
import { parseConfig } from '../../src/config/load-config';
import { ModelRegistry } from '../../src/registry/model-registry';
import { unique } from '../helpers/temporal';

const registry = new ModelRegistry(mkdtempSync(join(tmpdir(), 'evaluate-model-')));
const outcomes = createOutcomeActivities({
  registry,
  hubEndpoint: 'http://127.0.0.1:1',
  context: { hubUrl: 'http://127.0.0.1:1', namespace: 'default' },
});

function pipeline(backend: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const [spec] = parseConfig({
    pipelines: [
      {
        name: unique('eval'),
        target_namespace: 'acme',
        input_dataset: 'acme/data',
        input_model: 'microsoft/resnet-50',
        backend,
        promotion: { metric: 'accuracy', direction: 'max', min_delta: 0 },
        ...extra,
      },
    ],
  });
  return spec!;
}

async function evaluate(spec: ReturnType<typeof pipeline>, revision: string, accuracy: number): Promise<Evaluation> {
  const run = { pipeline: spec, revision, attempt: 1 };
  const job = { jobId: 'job', links: {} };
  return new MockActivityEnvironment().run(outcomes.evaluateModel.bind(outcomes), run, job, { metrics: { accuracy } });
}

const publish = { publish: { repo: 'acme/model' } };

test('a promoted local model with publish settings is publishable; without them it is not', async () => {
  expect(await evaluate(pipeline({ type: 'local' }, publish), 'a'.repeat(40), 0.8)).toMatchObject({
    decision: { promoted: true },
    publishable: true,
  });
  expect(await evaluate(pipeline({ type: 'local' }), 'a'.repeat(40), 0.8)).toMatchObject({
    decision: { promoted: true },
    publishable: false,
  });
});

test('a model that is not promoted is not publishable', async () => {
  const spec = pipeline({ type: 'local' }, publish);
  expect((await evaluate(spec, 'a'.repeat(40), 0.8)).publishable).toBe(true);
  expect(await evaluate(spec, 'b'.repeat(40), 0.7)).toMatchObject({
    decision: { promoted: false },
    publishable: false,
  });
});

test('AutoTrain and Jobs models are pushed by the service itself: never published by the run', async () => {
  for (const type of ['autotrain', 'hf-jobs']) {
    expect(await evaluate(pipeline({ type }, publish), 'c'.repeat(40), 0.9)).toMatchObject({
      decision: { promoted: true },
      publishable: false,
    });
  }
});
