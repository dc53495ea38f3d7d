/**
 * What an hour of each training machine costs, and where the figure comes from.
 *
 * Hugging Face Jobs publishes its prices: `GET /api/jobs/hardware` lists every flavor with `unitCostUSD` per
 * `unitLabel` (huggingface_hub `src/huggingface_hub/hf_api.py`, `list_jobs_hardware`; the fields are read in
 * `src/huggingface_hub/_jobs_api.py`, class `JobHardware`: `name`, `prettyName`, `unitCostMicroUSD`, `unitCostUSD`,
 * `unitLabel`). Jobs bill per started unit (a minute). No API gives the prices of a Space's hardware (what an
 * AutoTrain run trains on): those come from PRICE_TABLE (src/config/price-table.ts), read from hub-docs `docs/hub/spaces-gpus.md` on
 * PRICE_TABLE_DATE, which is also the fallback for a flavor the Jobs list does not name. The config's own dated
 * table (`prices`, src/config/prices-schema.ts) comes before PRICE_TABLE: it overrides and extends it. The run says
 * which (`priceSource`: `hub:/api/jobs/hardware`, `config:<date>` or `table:<date>`).
 */
import { z } from 'zod';
import { PRICE_TABLE_DATE, tablePrice, tablesSearched } from '../config/price-table';
import type { ConfigPrices } from '../config/prices-schema';
import { round, type Price } from './cost-math';

export { PRICE_TABLE, PRICE_TABLE_DATE } from '../config/price-table';

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

/**
 * The price from the config's `prices`, else from PRICE_TABLE (a Space's `spaces-<name>` hardware is `<name>` there);
 * undefined when neither names it.
 */
export function priceFromTable(hardware: string, billingUnitSeconds = 1, prices?: ConfigPrices): Price | undefined {
  const found = tablePrice(hardware, prices);
  return found && { hardware, pricePerHour: found.usdPerHour, priceSource: found.source, billingUnitSeconds };
}

export { tablesSearched };
