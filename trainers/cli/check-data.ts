/**
 * `check-data <data-dir> --options JSON`: the data checks of a revision before it is trained
 * (check/check-data.ts), printed as one JSON line: each check's count, examples and detail, the columns read,
 * the rows per split and the train labels. The options: `task`, the column names (`text_column`, `image_column`,
 * `label_column`), `max_length` (null: the trainer does not truncate), `min_rows_per_class`, `known_labels`, and `previous` (`{dir, revision}`: the
 * files of the revision the model in service was trained on) or `previous_error` (why they could not be had). Bad options are exit code 2; problems with the data
 * are findings, not errors.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkData } from '../check/check-data';
import { TrainerInputError } from '../core/errors';
import { runEntry } from './run-entry';

const optionsSchema = z.strictObject({
  task: z.enum(['text-classification', 'image-classification']),
  text_column: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  image_column: z.string().min(1).optional(),
  label_column: z.string().min(1).optional(),
  // null: the trainer reads every text whole (the baseline), so nothing is truncated and the length is not checked.
  max_length: z.number().int().min(1).nullable().default(256),
  min_rows_per_class: z.number().int().min(1).default(5),
  known_labels: z.array(z.string()).optional(),
  previous: z.strictObject({ dir: z.string().min(1), revision: z.string().min(1) }).optional(),
  previous_error: z.string().min(1).optional(),
});

runEntry(async () => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { options: { type: 'string' } } });
  const [dir] = positionals;
  if (dir === undefined || positionals.length > 1)
    throw new TrainerInputError('usage: check-data <data-dir> --options JSON');
  let json: unknown;
  try {
    json = JSON.parse(values.options ?? '{}');
  } catch {
    throw new TrainerInputError('--options: expected JSON');
  }
  const parsed = optionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainerInputError(`--options.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  process.stdout.write(`${JSON.stringify(await checkData(dir, parsed.data))}\n`);
});
