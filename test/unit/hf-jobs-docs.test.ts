/** docs/hf-jobs.md says what the code does: which results file the Jobs backend reads its metrics from first. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULT_FILES } from '../../src/backends/hf-jobs/model-metrics';

test('the docs name the results files in the order model-metrics.ts reads them', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'hf-jobs.md'), 'utf8');
  const sentence = /It reads the numbers in ([\s\S]*?), which/.exec(doc)?.[1] ?? '';
  const named = [...sentence.matchAll(/`([\w.]+\.json)`/g)].map((m) => m[1]);
  expect(named).toEqual([...RESULT_FILES]);
});
