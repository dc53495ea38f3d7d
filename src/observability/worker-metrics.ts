/**
 * The worker's own metrics, next to the Temporal SDK's on the runtime's Prometheus endpoint (METRICS_PORT):
 * runs by backend and outcome, training duration, and compensations. They are fed by the run-metrics
 * workflow interceptor through the `runMetrics` sink, never by workflow code.
 */
import { Runtime, type InjectedSinks } from '@temporalio/worker';
import type { MetricMeter } from '@temporalio/common';
import type { RunMetricsSinks } from '../workflows/interceptors/run-metrics';

export const WORKER_METRICS = {
  runs: 'hub_retrain_runs_total',
  trainingDuration: 'hub_retrain_training_duration_seconds',
  compensations: 'hub_retrain_compensations_total',
} as const;

/** Buckets for training durations: a local run takes seconds, a Jobs run hours. */
export const TRAINING_DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200, 86_400];

export function runMetricsSinks(
  meter: () => MetricMeter = () => Runtime.instance().metricMeter,
): InjectedSinks<RunMetricsSinks> {
  let instruments: ReturnType<typeof create> | undefined;
  const get = () => (instruments ??= create(meter()));
  return {
    runMetrics: {
      runFinished: {
        fn: (_info, backend, outcome) => get().runs.add(1, { backend, outcome }),
        callDuringReplay: false,
      },
      trainingFinished: {
        fn: (_info, backend, state, seconds) => get().trainingDuration.record(seconds, { backend, state }),
        callDuringReplay: false,
      },
      compensation: {
        fn: (_info, backend, step, result) => get().compensations.add(1, { backend, step, result }),
        callDuringReplay: false,
      },
    },
  };
}

function create(meter: MetricMeter) {
  return {
    runs: meter.createCounter(WORKER_METRICS.runs, '', 'Retrain runs finished, by backend and outcome'),
    trainingDuration: meter.createHistogram(
      WORKER_METRICS.trainingDuration,
      'float',
      's',
      'Training time from start to the backend reporting an end, by backend and end state',
    ),
    compensations: meter.createCounter(
      WORKER_METRICS.compensations,
      '',
      'Compensation steps run after a failed, rejected or cancelled run, by step and result',
    ),
  };
}
