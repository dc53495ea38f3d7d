import { evaluate } from '../core/metrics';

describe('evaluation metrics', () => {
  const train = ['a', 'a', 'a', 'b', 'c'];
  const truth = ['a', 'a', 'b', 'b', 'c', 'c'];
  const predicted = ['a', 'b', 'b', 'b', 'a', 'c'];
  const metrics = evaluate(train, truth, predicted);

  it('counts accuracy and per-class precision, recall and F1', () => {
    expect(metrics.accuracy).toBeCloseTo(4 / 6);
    expect(metrics.per_class.a).toEqual({
      train_rows: 3,
      support: 2,
      predicted: 2,
      correct: 1,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
    expect(metrics.per_class.b).toMatchObject({ support: 2, predicted: 3, correct: 2, precision: 2 / 3, recall: 1 });
    expect(metrics.per_class.b?.f1).toBeCloseTo(0.8);
    expect(metrics.per_class.c).toMatchObject({ support: 2, predicted: 1, precision: 1, recall: 0.5 });
    expect(metrics.macro_f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3);
    expect(metrics.confusion).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 1],
      ],
    });
  });

  it('scores the majority class of train as the baseline', () => {
    expect(metrics.baseline_label).toBe('a');
    expect(metrics.baseline_accuracy).toBeCloseTo(2 / 6);
    // Only class a is ever predicted: F1 for a is 2*(1/3*1)/(1/3+1) = 0.5; b and c score 0.
    expect(metrics.baseline_macro_f1).toBeCloseTo(0.5 / 3);
  });

  it('breaks a tie for the majority by name, so the baseline is reproducible', () => {
    expect(evaluate(['y', 'x', 'y', 'x'], ['x'], ['x']).baseline_label).toBe('x');
  });

  it('counts a class seen only in evaluation as a miss, not a crash', () => {
    const unseen = evaluate(['a', 'b'], ['c'], ['a']);
    expect(unseen.accuracy).toBe(0);
    expect(unseen.per_class.c).toMatchObject({ train_rows: 0, support: 1, recall: 0 });
  });
});
