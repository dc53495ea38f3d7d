/**
 * `budget` in config.json: per pipeline `{monthly_usd, per_run_usd, over, estimate}`, and in the full form an
 * optional global `{monthly_usd}` over every pipeline. What a run would cost is checked against what is left before
 * its job starts (src/workflows/retrain-budget.ts); the month's spend is kept in Temporal (src/workflows/budget.ts).
 */
import { z } from 'zod';

const usd = z
  .number({ message: 'expected an amount in US dollars (a number, e.g. 25 or 2.5)' })
  .positive({ message: 'expected an amount in US dollars greater than 0' })
  .max(1_000_000, { message: 'expected at most 1000000 (US dollars)' });

export const budgetSchema = z
  .strictObject({
    /** What the pipeline may spend per calendar month (UTC). */
    monthly_usd: usd.optional(),
    /** What one run may cost: a training that would pass it at its current rate is stopped. */
    per_run_usd: usd.optional(),
    /** A run whose estimate does not fit what is left: waits for approval (with the figures), or fails. */
    over: z.enum(['approve', 'fail'], { message: 'expected "approve" or "fail"' }).default('approve'),
    /** The estimate: price × the longest the training may take, or price × the median of the pipeline's last runs. */
    estimate: z.enum(['timeout', 'median'], { message: 'expected "timeout" or "median"' }).default('timeout'),
  })
  .refine((b) => b.monthly_usd !== undefined || b.per_run_usd !== undefined, {
    message: 'expected monthly_usd, per_run_usd or both',
  });

/** The optional budget over every pipeline (top level of the full form). */
export const globalBudgetSchema = z.strictObject({ monthly_usd: usd });

export type Budget = z.output<typeof budgetSchema>;
export type GlobalBudget = z.output<typeof globalBudgetSchema>;
