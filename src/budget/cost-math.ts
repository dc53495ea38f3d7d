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
  const billed = Math.ceil(seconds / price.billingUnitSeconds) * price.billingUnitSeconds;
  return round((billed / 3600) * price.pricePerHour, 6);
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
