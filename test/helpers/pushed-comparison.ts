/**
 * What a Job pushes for the promotion gate (comparison.json: job.py with its model, compare_job.py to AutoTrain's
 * candidate; trainers/transformers/tests run both): the rows, the candidate's predictions and, when the Job was told
 * which run is in service, the same predictions for the model in service (the same model: the same ones), in the
 * folder the Job names after that run.
 */
export function pushedComparison(truth: string[], predicted: string[], currentRun: string | undefined): string {
  const predictions = { labels: [...new Set(truth)].sort(), predicted };
  return JSON.stringify({
    version: 1,
    split: 'validation',
    source: 'dataset',
    selectedOn: 'validation',
    truth,
    candidate: predictions,
    current: currentRun ? { dir: `/tmp/hub-retrain/in-service/${currentRun}`, ...predictions } : null,
  });
}
