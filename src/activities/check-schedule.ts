/**
 * When the next status check of a waiting run comes: soon after the job starts (a broken build or a bad
 * configuration fails within minutes), then further apart as the training ages, up to a cap. The cap is the
 * pipeline's `poll_interval_seconds` where nothing tells the run of the end; where something does (the local
 * supervisor, AutoTrain's outcome discussion through the Hub webhook, a worker's shared Jobs check) the periodic
 * check is only the safety net for a lost notice, and its cap is SAFETY_NET_MS (or the poll interval, if longer).
 * awaitTraining gives the delay to Temporal as the StillTraining failure's `nextRetryDelay`.
 */

export interface CheckSchedule {
  /** The first periodic check after the job starts (then half the training's age, up to the cap). */
  firstDelayMs: number;
  /** The cap where the backend tells of the end. */
  safetyNetMs: number;
}

export const DEFAULT_CHECK_SCHEDULE: CheckSchedule = { firstDelayMs: 5_000, safetyNetMs: 10 * 60_000 };

/** A check waits at most this share of the training's age: after a minute, 30 s; after ten, five minutes. */
const AGE_SHARE = 0.5;
/** The last check is made this long before the wait's deadline (max_training_time), not skipped past it. */
const DEADLINE_MARGIN_MS = 2_000;

export interface NextCheck {
  /** How long the training has run (ms). */
  ageMs: number;
  pollIntervalMs: number;
  /** The backend will tell this run when its job ends. */
  told: boolean;
  /** Time left until the wait's deadline (ms), when known. */
  untilDeadlineMs?: number;
  schedule?: CheckSchedule;
}

export function nextCheckDelay(next: NextCheck): number {
  const schedule = next.schedule ?? DEFAULT_CHECK_SCHEDULE;
  const cap = next.told ? Math.max(next.pollIntervalMs, schedule.safetyNetMs) : next.pollIntervalMs;
  let delay = Math.min(cap, Math.max(Math.min(schedule.firstDelayMs, cap), next.ageMs * AGE_SHARE));
  if (next.untilDeadlineMs !== undefined && next.untilDeadlineMs - DEADLINE_MARGIN_MS < delay) {
    delay = Math.max(1_000, next.untilDeadlineMs - DEADLINE_MARGIN_MS);
  }
  return Math.round(delay);
}
