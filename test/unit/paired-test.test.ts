/**
 * The significance rule of the promotion gate with known outcomes: the paired test (exact McNemar for accuracy,
 * a seeded paired bootstrap for other metrics) and the verdicts decidePromotion builds from comparison.json.
 */
import type { Comparison } from '../../src/registry/comparison-file';
import { decidePromotion, type PromotionRule } from '../../src/registry/promotion';
import { binomialUpperTail, pairedTest } from '../../src/registry/paired-test';

const rule: PromotionRule = { metric: 'accuracy', direction: 'max', min_delta: 0, significance: 0.05 };
const inService = (revision = 'c'.repeat(40), accuracy = 0.83) => ({ revision, metrics: { accuracy } });

/** `n` rows of two labels; `right(i)` says whether a model is right on row i. */
function rows(n: number, right: (i: number) => boolean): { truth: string[]; predicted: string[] } {
  const truth = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'pos' : 'neg'));
  return { truth, predicted: truth.map((t, i) => (right(i) ? t : t === 'pos' ? 'neg' : 'pos')) };
}

function comparison(
  truth: string[],
  candidate: string[],
  current: string[] | null,
  extra: Partial<Comparison> = {},
): Comparison {
  return {
    version: 1,
    split: 'validation',
    source: 'dataset',
    selectedOn: null,
    truth,
    candidate: { labels: ['neg', 'pos'], predicted: candidate },
    current: current && { dir: `/models/p/${'c'.repeat(40)}`, labels: ['neg', 'pos'], predicted: current },
    ...extra,
  };
}

describe('the paired test', () => {
  test('identical predictions: difference 0, p = 1, for McNemar and the bootstrap alike', () => {
    const { truth, predicted } = rows(200, (i) => i % 5 !== 0);
    for (const metric of ['accuracy', 'macro_f1'] as const) {
      const result = pairedTest(metric, truth, predicted, predicted);
      expect(result).toMatchObject({ difference: 0, pValue: 1, interval: [0, 0], rows: 200 });
    }
  });

  test('exact McNemar: only the rows where one model alone is right count', () => {
    expect(binomialUpperTail(10, 10)).toBeCloseTo(1 / 1024, 10);
    expect(binomialUpperTail(10, 5)).toBeCloseTo(638 / 1024, 10);
    expect(binomialUpperTail(10, 0)).toBe(1);
    // Thousands of discordant rows neither underflow nor overflow.
    expect(binomialUpperTail(4000, 2000)).toBeCloseTo(0.5063, 3);
    expect(binomialUpperTail(4000, 2400)).toBeGreaterThan(0);
    expect(binomialUpperTail(4000, 2400)).toBeLessThan(1e-30);
    // The candidate alone right on 10 rows, the current alone right on none: p = 1/1024.
    const truth = rows(100, () => true).truth;
    const current = rows(100, (i) => i >= 10).predicted;
    const result = pairedTest('accuracy', truth, truth, current);
    expect(result.pValue).toBeCloseTo(1 / 1024, 10);
    expect(result).toMatchObject({ candidate: 1, current: 0.9, test: 'exact McNemar' });
    expect(result.difference).toBeCloseTo(0.1, 10);
  });

  test('the bootstrap is seeded: the same rows give the same interval and p-value', () => {
    const { truth, predicted: a } = rows(300, (i) => i % 4 !== 0);
    const { predicted: b } = rows(300, (i) => i % 3 !== 0);
    expect(pairedTest('macro_f1', truth, a, b)).toEqual(pairedTest('macro_f1', truth, a, b));
    const result = pairedTest('macro_f1', truth, a, b);
    expect(result.interval[0]).toBeLessThanOrEqual(result.difference);
    expect(result.interval[1]).toBeGreaterThanOrEqual(result.difference);
  });
});

describe('the gate on the same rows', () => {
  test('a clearly better model on 2,000 rows is promoted, with both numbers, the rows, the interval and p', () => {
    const { truth, predicted: candidate } = rows(2000, (i) => i % 10 !== 0); // 90%
    const { predicted: current } = rows(2000, (i) => i % 5 !== 0); // 80%
    const d = decidePromotion(rule, { accuracy: 0.5 }, inService(), {
      comparison: comparison(truth, candidate, current),
    });
    expect(d).toMatchObject({ promoted: true, candidate: 0.9, current: 0.8, rows: 2000, sameData: true });
    expect(d.pValue!).toBeLessThan(1e-10);
    expect(d.interval![0]).toBeGreaterThan(0.07);
    expect(d.interval![1]).toBeLessThan(0.13);
    expect(d.reason).toMatch(
      /^promoted: accuracy 0\.9000 vs 0\.8000 for the model in service \(ccccccc\) on the same 2000 validation rows; difference \+0\.1000 \(95% interval \+0\.\d+ to \+0\.\d+\), p = .* \(exact McNemar\)$/,
    );
  });

  test('the same model on harder rows: both re-measured, equal, not promoted (the recorded 0.83 plays no part)', () => {
    const { truth, predicted } = rows(280, (i) => i % 20 < 13); // 0.65
    const d = decidePromotion(rule, { accuracy: 0.65 }, inService(), {
      comparison: comparison(truth, predicted, predicted),
    });
    expect(d).toMatchObject({ promoted: false, candidate: 0.65, current: 0.65, rows: 280, sameData: true, pValue: 1 });
    expect(d.reason).toContain(
      'accuracy 0.6500 vs 0.6500 for the model in service (ccccccc) on the same 280 validation rows',
    );
    expect(d.reason).toContain('not significant: needs p < 0.05');
  });

  test('a worse model whose own evaluation data got easier is not promoted: on the same rows it loses', () => {
    const { truth, predicted: candidate } = rows(400, (i) => i % 10 < 7); // 0.70 on these rows
    const { predicted: current } = rows(400, (i) => i % 10 < 8); // 0.80
    // Its own (easier) evaluation said 0.95, above the 0.83 recorded for the model in service.
    const d = decidePromotion({ ...rule, significance: undefined }, { accuracy: 0.95 }, inService(), {
      comparison: comparison(truth, candidate, current),
    });
    expect(d).toMatchObject({ promoted: false, candidate: 0.7, current: 0.8, sameData: true });
  });

  test('a small gain on 200 rows is noise: not promoted at significance 0.05, promoted without it', () => {
    const { truth, predicted: candidate } = rows(200, (i) => i % 100 >= 16); // 0.84
    const { predicted: current } = rows(200, (i) => i % 100 >= 17); // 0.83
    const evidence = { comparison: comparison(truth, candidate, current) };
    expect(decidePromotion(rule, {}, inService(), evidence)).toMatchObject({ promoted: false });
    expect(decidePromotion({ ...rule, significance: undefined }, {}, inService(), evidence)).toMatchObject({
      promoted: true,
    });
  });

  test('max_class_drop: a better model that loses a class is not promoted, and the class is named', () => {
    const many = (label: string, n: number): string[] => Array.from({ length: n }, () => label);
    const truth = [...many('a', 100), ...many('b', 100), ...many('c', 20)];
    const current = truth.map((t, i) => (i < 50 ? 'b' : t)); // half of "a" wrong, all of "c" right
    const candidate = truth.map((t, i) => (i >= 200 && i < 210 ? 'a' : t)); // half of "c" wrong
    const labels = ['a', 'b', 'c'];
    const c = comparison(truth, candidate, null, {
      candidate: { labels, predicted: candidate },
      current: { dir: `/models/p/${'c'.repeat(40)}`, labels, predicted: current },
    });
    const d = decidePromotion({ ...rule, max_class_drop: 0.2 }, {}, inService(), { comparison: c });
    expect(d.promoted).toBe(false);
    expect(d.reason).toContain('class "c" recall 0.5000 vs 1 drops by more than max_class_drop 0.2');
    expect(decidePromotion({ ...rule, max_class_drop: 0.6 }, {}, inService(), { comparison: c }).promoted).toBe(true);
  });

  test('a label neither model knows promotes nothing, and says which', () => {
    const truth = ['pos', 'neg', 'maybe', 'maybe'];
    const d = decidePromotion(rule, {}, inService(), { comparison: comparison(truth, truth, truth) });
    expect(d).toMatchObject({ promoted: false });
    expect(d.reason).toContain('a label "maybe" (2 rows) that neither model knows');
  });

  test('a model in service that is missing or corrupt: no comparison, not promoted', () => {
    const { truth, predicted } = rows(50, () => true);
    const c = comparison(truth, predicted, null, {
      current: {
        dir: `/models/p/${'c'.repeat(40)}`,
        status: 'unreadable',
        error: 'the model folder /x does not exist',
      },
    });
    const d = decidePromotion(rule, { accuracy: 1 }, inService(), { comparison: c });
    expect(d).toMatchObject({ promoted: false, sameData: false });
    expect(d.reason).toContain('could not be measured on these rows (the model folder /x does not exist)');
  });

  test("another trainer's model in service: the recorded number decides, marked as from other data", () => {
    const { truth, predicted } = rows(50, () => true);
    const c = comparison(truth, predicted, null, {
      current: { dir: `/models/p/${'c'.repeat(40)}`, status: 'foreign', error: 'a transformers model' },
    });
    const d = decidePromotion(rule, { accuracy: 0.9 }, inService(), { comparison: c });
    expect(d).toMatchObject({ promoted: true, candidate: 1, current: 0.83, sameData: false, rows: 50 });
    expect(d.reason).toContain(
      'for the model in service (ccccccc), as recorded when it was trained: measured on other data (a transformers model)',
    );
    const none = decidePromotion(rule, { accuracy: 0.8 }, inService(), {
      missing: 'the trainer wrote no comparison.json',
    });
    expect(none).toMatchObject({ promoted: false, candidate: 0.8, current: 0.83, sameData: false });
  });

  test('a comparison the pipeline asked for that could not be made: not promoted, not even a first model', () => {
    const unmade =
      'evaluation.dataset: the pinned evaluation set o/e at 0000000 cannot be read (404); no comparison was made';
    const over = decidePromotion(rule, { accuracy: 0.99 }, inService(), { unmade });
    expect(over).toMatchObject({ promoted: false, candidate: 0.99, currentRevision: 'c'.repeat(40), sameData: false });
    expect(over.reason).toBe(`not promoted: ${unmade}`);
    expect(decidePromotion(rule, { accuracy: 0.99 }, undefined, { unmade })).toMatchObject({ promoted: false });
  });

  test('the first model: promoted, with the rows it was measured on', () => {
    const { truth, predicted } = rows(10, (i) => i < 7);
    const d = decidePromotion(rule, { accuracy: 0.5 }, undefined, { comparison: comparison(truth, predicted, null) });
    expect(d).toMatchObject({ promoted: true, candidate: 0.7, rows: 10 });
  });

  test('numbers from the rows the best epoch was chosen on are said to be so', () => {
    const { truth, predicted } = rows(20, () => true);
    const c = comparison(truth, predicted, predicted, { selectedOn: 'validation' });
    expect(decidePromotion(rule, {}, inService(), { comparison: c }).reason).toContain(
      'the split the best epoch was chosen on: the dataset has no test split',
    );
  });
});
