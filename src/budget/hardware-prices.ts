/**
 * What an hour of each training machine costs, and where the figure comes from.
 *
 * Hugging Face Jobs publishes its prices: `GET /api/jobs/hardware` lists every flavor with `unitCostUSD` per
 * `unitLabel` (huggingface_hub `src/huggingface_hub/hf_api.py`, `list_jobs_hardware`; the fields are read in
 * `src/huggingface_hub/_jobs_api.py`, class `JobHardware`: `name`, `prettyName`, `unitCostMicroUSD`, `unitCostUSD`,
 * `unitLabel`). Jobs bill per started unit (a minute). No API gives the prices of a Space's hardware (what an
 * AutoTrain run trains on): those come from PRICE_TABLE, read from hub-docs `docs/hub/spaces-gpus.md` on
 * PRICE_TABLE_DATE, which is also the fallback for a flavor the Jobs list does not name. The run says which
 * (`priceSource`).
 */
import { z } from 'zod';
import { round, type Price } from './cost-math';

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

/** Where a run's price came from. */
export const PRICE_SOURCES = {
  jobsApi: 'hub:/api/jobs/hardware',
  table: `table:${PRICE_TABLE_DATE}`,
  local: 'local',
} as const;

const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600 };

/** One entry of `GET /api/jobs/hardware` (the fields JobHardware reads; others are ignored). */
export const jobsHardwareSchema = z.array(
  z.object({
    name: z.string().min(1),
    unitCostUSD: z.number().nonnegative(),
    unitLabel: z.string(),
  }),
);

/** The price of a Jobs flavor from the Hub's list; undefined when the list does not name it (or its unit). */
export function priceFromJobsList(list: z.output<typeof jobsHardwareSchema>, flavor: string): Price | undefined {
  const entry = list.find((h) => h.name === flavor);
  const unit = entry && UNIT_SECONDS[entry.unitLabel];
  if (!entry || !unit) return undefined;
  return {
    hardware: flavor,
    pricePerHour: round((entry.unitCostUSD * 3600) / unit, 6),
    priceSource: PRICE_SOURCES.jobsApi,
    billingUnitSeconds: unit,
  };
}

/** The price from PRICE_TABLE (a Space's `spaces-<name>` hardware is `<name>` there); undefined when unknown. */
export function priceFromTable(hardware: string, billingUnitSeconds = 1): Price | undefined {
  const perHour = PRICE_TABLE[hardware.replace(/^spaces-/, '')];
  if (perHour === undefined) return undefined;
  return { hardware, pricePerHour: perHour, priceSource: PRICE_SOURCES.table, billingUnitSeconds };
}
