/**
 * `prices` in config.json: a dated table of USD per hour by hardware name, which overrides and extends the built-in
 * table (src/budget/hardware-prices.ts) for a Space's hardware and for a Jobs flavor the Hub's list does not name.
 * A run priced from it says `config:<date>`.
 */
import { z } from 'zod';

const usdPerHour = z
  .number({ message: 'expected a price in US dollars per hour (a number, e.g. 1.5)' })
  .nonnegative({ message: 'expected a price in US dollars per hour of 0 or more' })
  .max(10_000, { message: 'expected at most 10000 (US dollars per hour)' });

export const pricesSchema = z.strictObject({
  /** When the prices were read (they change): the run's priceSource carries it. */
  date: z.iso.date({ message: 'expected the date the prices were read, as YYYY-MM-DD' }),
  /** USD per hour by hardware name (`a10g-small`; a Space's `spaces-a10g-small` is looked up as `a10g-small` too). */
  usd_per_hour: z.record(z.string().min(1, { message: 'expected a hardware name' }), usdPerHour),
});

export type ConfigPrices = z.output<typeof pricesSchema>;
