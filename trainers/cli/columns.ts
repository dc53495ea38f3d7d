/**
 * `columns <data-dir> [--declared JSON]`: prints a dataset's columns, which hold images, and the label, image and
 * text columns the trainers' names pick, as one JSON line (data/dataset-columns.ts). `--declared` gives the
 * columns the dataset declares (`{"columns", "imageColumns", "from"}`), which win over its files.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TrainerInputError } from '../core/errors';
import { datasetColumns } from '../data/dataset-columns';
import { runEntry } from './run-entry';

const declaredSchema = z.strictObject({
  columns: z.array(z.string()),
  imageColumns: z.array(z.string()),
  from: z.string(),
});

runEntry(async () => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { declared: { type: 'string' } } });
  const [dir] = positionals;
  if (dir === undefined || positionals.length > 1) {
    throw new TrainerInputError('usage: columns <data-dir> [--declared {"columns", "imageColumns", "from"}]');
  }
  let declared: z.output<typeof declaredSchema> | undefined;
  if (values.declared !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(values.declared);
    } catch {
      throw new TrainerInputError('--declared: expected JSON');
    }
    const parsed = declaredSchema.safeParse(json);
    if (!parsed.success) throw new TrainerInputError(`--declared: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    declared = parsed.data;
  }
  process.stdout.write(`${JSON.stringify(await datasetColumns(dir, declared))}\n`);
});
