/**
 * The built-in price table, and the lookup in it and in the config's own dated `prices` (which override and extend
 * it). Plain data, so check-config can tell a budgeted pipeline whose hardware has no price; src/budget prices runs
 * with it (hardware-prices.ts, which also reads the Hub's own list for Jobs flavors).
 */
import type { ConfigPrices } from './prices-schema';

/** When PRICE_TABLE was read. */
export const PRICE_TABLE_DATE = '2026-12-04';

/** USD per hour by hardware name (hub-docs docs/hub/spaces-gpus.md, "Hardware Specs", on PRICE_TABLE_DATE). */
export const PRICE_TABLE: Readonly<Record<string, number>> = {
  'cpu-basic': 0,
  'cpu-upgrade': 0.03,
  't4-small': 0.4,
  't4-medium': 0.6,
  'a10g-small': 1.0,
  'a10g-large': 1.5,
  'a10g-largex2': 3.0,
  'a10g-largex4': 5.0,
  'a100-large': 4.0,
  l4x1: 0.8,
  l4x4: 3.8,
  l40sx1: 1.8,
  l40sx4: 8.3,
  l40sx8: 23.5,
};

/** USD per hour of `hardware` and where it came from (`config:<date>` or `table:<date>`); undefined when unknown. */
export function tablePrice(
  hardware: string,
  prices?: ConfigPrices,
): { usdPerHour: number; source: string } | undefined {
  // A Space's `spaces-<name>` hardware is `<name>` in the tables.
  const names = [hardware, hardware.replace(/^spaces-/, '')];
  const configured = prices && names.map((n) => prices.usd_per_hour[n]).find((p) => p !== undefined);
  if (prices && configured !== undefined) return { usdPerHour: configured, source: `config:${prices.date}` };
  const builtIn = PRICE_TABLE[names[1]!];
  return builtIn === undefined ? undefined : { usdPerHour: builtIn, source: `table:${PRICE_TABLE_DATE}` };
}

/** The tables a price was looked for in, for an error that says there is none. */
export const tablesSearched = (prices?: ConfigPrices): string =>
  `${prices ? `the config's prices.usd_per_hour (${prices.date}) nor in ` : ''}the built-in price table of ${PRICE_TABLE_DATE}`;
