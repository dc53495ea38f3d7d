/**
 * The arithmetic of a run's cost, shared by the activities and the workflows (no I/O, nothing but numbers: workflow
 * code imports it).
 */

export interface Price {
  hardware: string;
  pricePerHour: number;
  priceSource: string;
  /** The machine is billed per started unit of this many seconds (a Jobs minute); 1 where it is not known. */
  billingUnitSeconds: number;
}

/** What `seconds` of a machine cost, billed per started unit. */
export function costOf(price: Pick<Price, 'pricePerHour' | 'billingUnitSeconds'>, seconds: number): number {
  if (seconds <= 0 || price.pricePerHour === 0) return 0;
  return round((billedSeconds(price, seconds) / 3600) * price.pricePerHour, 6);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `seconds` rounded up to whole billing units: what the machine is billed for. */
export function billedSeconds(price: Pick<Price, 'billingUnitSeconds'>, seconds: number): number {
  if (seconds <= 0) return 0;
  // A float count of seconds a hair above a whole unit (60.0000001) is not a second unit.
  return Math.ceil(round(seconds / price.billingUnitSeconds, 6)) * price.billingUnitSeconds;
}

/** What one billing unit of the machine costs. */
export function unitCostOf(price: Pick<Price, 'pricePerHour' | 'billingUnitSeconds'>): number {
  return (price.billingUnitSeconds / 3600) * price.pricePerHour;
}

/** The whole billing units `perRunUsd` pays for (0: not even one); Infinity for a machine that costs nothing. */
export function unitsWithin(price: Pick<Price, 'pricePerHour' | 'billingUnitSeconds'>, perRunUsd: number): number {
  if (price.pricePerHour <= 0) return Infinity;
  return Math.floor(round(perRunUsd / unitCostOf(price), 6));
}

/**
 * How long a training held to `perRunUsd` may run: the whole billing units it pays for (at least one: a run approved
 * although one unit costs more), less a margin (a tenth of a unit, at most 5 s) for the cancellation to reach the
 * backend, so the job is stopped before the unit that would pass `perRunUsd` starts.
 */
export function perRunLimitSeconds(
  price: Pick<Price, 'pricePerHour' | 'billingUnitSeconds'>,
  perRunUsd: number,
): number {
  const units = Math.max(1, unitsWithin(price, perRunUsd));
  const unit = price.billingUnitSeconds;
  return units * unit - Math.min(5, unit / 10);
}
