import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load-config';

const ROOT = join(__dirname, '..', '..');
const examples = readdirSync(join(ROOT, 'examples', 'configs')).filter((f) => f.endsWith('.json'));

test.each(examples)('examples/configs/%s is a valid config with a task, a backend and a promotion gate', (file) => {
  const pipelines = loadConfigFile(join(ROOT, 'examples', 'configs', file));
  expect(pipelines.length).toBeGreaterThan(0);
  if (file === 'original-space.json') return; // the original four keys, unchanged
  for (const p of pipelines) {
    expect(p.task).toMatch(/classification/);
    expect(p.promotion?.metric).toBeTruthy();
  }
});

test('the five problems this exists for each have an example', () => {
  expect(examples).toEqual(
    expect.arrayContaining([
      'shop-product-images.json',
      'review-sentiment.json',
      'medical-image-triage.json',
      'short-answer-grading.json',
      'fake-news-detection.json',
    ]),
  );
  const triage = loadConfigFile(join(ROOT, 'examples', 'configs', 'medical-image-triage.json'));
  expect(triage[0]?.approval).toBe('required');
});

test('the shipped config.json is the local example pipeline on the bundled dataset', () => {
  const [pipeline] = loadConfigFile(join(ROOT, 'config.json'));
  expect(pipeline).toMatchObject({
    // Offline and Python-free: the TypeScript baseline, chosen explicitly.
    backend: { type: 'local', trainer: 'baseline' },
    input_model: 'tfidf-softmax-regression',
    task: 'text-classification',
    promotion: { metric: 'accuracy' },
  });
  expect(pipeline?.local_path).toBe(join(ROOT, 'examples', 'datasets', 'product-reviews'));
});
