/**
 * `data_checks` of a pipeline: what each data check does when it finds something (`fail`: the run ends before
 * anything is trained; `approve`: the run waits for a person, with the report in the request; `warn`: the finding
 * is recorded and announced), and `min_rows_per_class`. The checks themselves run in the trainers' `check-data`
 * command (trainers/check/); their names are the same there. README, "Data checks", gives each default's reason.
 */
import { z } from 'zod';

export const DATA_CHECK_NAMES = [
  'schema',
  'missing_values',
  'unreadable_images',
  'too_long',
  'small_classes',
  'unseen_labels',
  'vanished_labels',
  'leakage',
  'duplicates',
  'changes',
] as const;
export type DataCheckName = (typeof DATA_CHECK_NAMES)[number];

export const DATA_CHECK_POLICIES = ['fail', 'approve', 'warn'] as const;
export type DataCheckPolicy = (typeof DATA_CHECK_POLICIES)[number];

/** The defaults, one reason each (the README's table says the same). */
export const DEFAULT_DATA_CHECK_POLICIES: Record<DataCheckName, DataCheckPolicy> = {
  // The trainer would stop on it anyway, minutes or a rented GPU hour later, with a stack trace.
  schema: 'fail',
  // The trainers skip such rows; a few are normal, and the count tells when they are not.
  missing_values: 'warn',
  // The trainers decode every image and stop at the first they cannot.
  unreadable_images: 'fail',
  // Truncation is how long texts are always trained; the count says how much is cut.
  too_long: 'warn',
  // The model barely learns such a class, but the others still train; more rows will come.
  small_classes: 'warn',
  // A class the model is evaluated on but never trained on: the model cannot predict it, the metrics are wrong.
  unseen_labels: 'fail',
  // Often on purpose (a class retired or renamed); the announcement names them and the promotion gate still decides.
  // Not `approve` by default: an unattended pipeline would stop, and queue every newer revision, until someone looks.
  vanished_labels: 'warn',
  // The reported metrics are too good; the model itself is still sound, so it trains, with the warning.
  leakage: 'warn',
  // Common and mostly harmless (weights those rows more); the count shows a bad export.
  duplicates: 'warn',
  // Relabelled rows are usually fixes; the report shows what changed since the model in service.
  changes: 'warn',
};

const policy = z.enum(DATA_CHECK_POLICIES, { message: 'expected "fail", "approve" or "warn"' });

export const dataChecksSchema = z.strictObject({
  ...(Object.fromEntries(DATA_CHECK_NAMES.map((name) => [name, policy.default(DEFAULT_DATA_CHECK_POLICIES[name])])) as {
    [K in DataCheckName]: z.ZodDefault<typeof policy>;
  }),
  /** A train class with fewer rows is reported by `small_classes`. */
  min_rows_per_class: z.number().int().min(1).max(1_000_000).default(5),
});

export type DataChecksConfig = z.output<typeof dataChecksSchema>;

/** The policy of a check for a pipeline's settings (a spec from before data checks has none: the defaults). */
export function policyOf(config: Partial<DataChecksConfig> | undefined, check: DataCheckName): DataCheckPolicy {
  return config?.[check] ?? DEFAULT_DATA_CHECK_POLICIES[check];
}
