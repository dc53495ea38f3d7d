import { renderAnnouncement, type Announcement } from '../../src/activities/announcements';
import { parseConfig } from '../../src/config/load-config';

const [pipeline] = parseConfig({
  target_namespace: 'acme',
  input_dataset: 'acme/product-images',
  input_model: 'microsoft/resnet-50',
  autotrain_project_prefix: 'product-images',
});
const base: Announcement = {
  kind: 'succeeded',
  pipeline: pipeline!,
  revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
  workflowId: 'retrain:product-images:9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
  jobId: 'acme/autotrain-product-images-9f2c4e1',
  links: {
    job: 'https://huggingface.co/spaces/acme/autotrain-product-images-9f2c4e1',
    model: 'https://huggingface.co/acme/product-images-9f2c4e1',
  },
  metrics: { accuracy: 0.91234, eval_samples: 200 },
  stage: 'publishing',
};
const ctx = { hubUrl: 'https://huggingface.co', temporalUiUrl: 'http://localhost:8233', namespace: 'default' };

test('titles are unique per pipeline, revision and outcome (they are the dedup key)', () => {
  const kinds = ['succeeded', 'failed', 'cancelled', 'rejected', 'approval-request'] as const;
  const titles = kinds.map((kind) => renderAnnouncement({ ...base, kind }, ctx).title);
  expect(new Set(titles).size).toBe(kinds.length);
  for (const t of titles) expect(t).toContain('product-images');
  for (const t of titles) expect(t).toContain('9f2c4e1');
  const otherRevision = renderAnnouncement({ ...base, revision: 'aaaaaaa' + base.revision.slice(7) }, ctx).title;
  expect(otherRevision).not.toBe(titles[0]);
});

test('success names the model, the job, the revision, the metrics and the run in the Temporal UI', () => {
  const { description } = renderAnnouncement(base, ctx);
  expect(description).toContain(base.links.model);
  expect(description).toContain(base.jobId);
  expect(description).toContain(`https://huggingface.co/datasets/acme/product-images/commit/${base.revision}`);
  expect(description).toContain('| accuracy | 0.9123 |');
  expect(description).toContain('http://localhost:8233/namespaces/default/workflows/retrain%3Aproduct-images%3A');
});

test('failure says what failed and where to look', () => {
  const { description } = renderAnnouncement(
    { ...base, kind: 'failed', error: 'startProcessing: POST /api/create_project answered 422', stage: 'failed' },
    ctx,
  );
  expect(description).toContain('**What failed:** startProcessing: POST /api/create_project answered 422');
  expect(description).toContain('Where to look');
  expect(description).toContain(base.links.job);
});

test('an approval request says how to approve in every way', () => {
  const { description } = renderAnnouncement(
    { ...base, kind: 'approval-request' },
    { ...ctx, publicUrl: 'https://retrain.example.com' },
  );
  expect(description).toContain(`npx hub-retrain approve ${base.workflowId}`);
  expect(description).toContain('https://retrain.example.com/api/runs/');
  expect(description).toContain('Send a Signal');
});
