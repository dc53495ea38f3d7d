/**
 * What the sections of bench/RESULTS.md share: the suite's own record (bench/results/run.json, written by
 * bench/run.ts), the targets and README figures the sections fill in, the receiver stacks' labels and the formatters.
 */
import type { Machine } from '../lib/machine';
import { formatSpread, type Spread } from '../lib/stats';
import type { StackName } from '../receiver.bench';

export interface RunInfo {
  machine: Machine;
  end?: Machine;
  quick: boolean;
  durations: Record<string, number>;
  command: string;
}

export const STACK_LABELS: Record<StackName, string> = {
  'hub-retrain': 'hub-retrain',
  'hub-retrain-before': 'hub-retrain before (Express route)',
  fastapi: 'FastAPI + uvicorn',
  'webhooks-server': 'huggingface_hub WebhooksServer',
};
export const COLORS: Record<StackName, string> = {
  'hub-retrain': '#d62728',
  'hub-retrain-before': '#ff9896',
  fastapi: '#1f77b4',
  'webhooks-server': '#2ca02c',
};

export const ms = (s: Spread) => formatSpread(s, 2);
export const int = (s: Spread) => formatSpread(s, 0);

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** Why it was missed and what to do next (only shown when missed). */
  whyMissed?: string;
}

/** The figures the README quotes, filled in as the report is built. */
export interface Headline {
  date?: string;
  load?: string;
  peerRatios: { label: string; fastapi?: string; whs?: string; fastapiP99?: string; oursP99?: string }[];
  limitShare?: string;
  storm?: string;
  deliveryMedian?: string;
  waiting?: string;
  cachedWorkflow?: string;
  trainers?: string;
  dataChecks?: string;
}
