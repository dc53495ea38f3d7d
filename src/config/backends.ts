import { z } from 'zod';

/** Hardware names the AutoTrain Advanced API accepts (spec/autotrain.md). */
export const AUTOTRAIN_HARDWARE = [
  'spaces-cpu-basic',
  'spaces-cpu-upgrade',
  'spaces-t4-small',
  'spaces-t4-medium',
  'spaces-a10g-small',
  'spaces-a10g-large',
  'spaces-a10g-largex2',
  'spaces-a10g-largex4',
  'spaces-a100-large',
  'spaces-l4x1',
  'spaces-l4x4',
  'spaces-l40sx1',
  'spaces-l40sx4',
  'spaces-l40sx8',
] as const;

export const autotrainBackendSchema = z.strictObject({
  type: z.literal('autotrain'),
  /** Base URL of an AutoTrain Advanced server (`autotrain app`); env AUTOTRAIN_API_URL otherwise. */
  api_url: z.url({ message: 'expected an http(s) URL' }).optional(),
  hardware: z.enum(AUTOTRAIN_HARDWARE).default('spaces-a10g-small'),
  /** Task knobs passed through as AutoTrain `params` (epochs, batch_size, lr, ...). */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  column_mapping: z.record(z.string(), z.string()).optional(),
  train_split: z.string().min(1).default('train'),
  valid_split: z.string().min(1).optional(),
  /** Delete the training Space when a run fails or is cancelled. */
  cleanup: z.boolean().default(false),
});

export const backendSchema = z.discriminatedUnion('type', [autotrainBackendSchema]);

export type AutotrainBackendOptions = z.output<typeof autotrainBackendSchema>;
export type BackendOptions = z.output<typeof backendSchema>;
export type BackendType = BackendOptions['type'];
