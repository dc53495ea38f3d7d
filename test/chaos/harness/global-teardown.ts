/** Prints the table of every scenario that ran and writes it to test/chaos/RESULTS.md. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { markdown, readRows, textTable } from './table';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.CHAOS_RESULTS_DIR;
  if (!dir) return;
  const rows = readRows(dir);
  if (rows.length === 0) return;
  const seconds = (Date.now() - Number(process.env.CHAOS_STARTED_AT ?? Date.now())) / 1000;
  process.stdout.write(`\nChaos suite: fault | runs | invariants held\n\n${textTable(rows)}\n\n`);
  const path = join(__dirname, '..', 'RESULTS.md');
  const text = markdown(rows, { date: new Date().toISOString().slice(0, 10), seconds, command: 'npm run test:chaos' });
  // Formatted as `npm run format` would, so the file stays as the suite wrote it.
  writeFileSync(path, await format(text, { parser: 'markdown', printWidth: 120, proseWrap: 'preserve' }));
  process.stdout.write(`Written to ${path}\n`);
}
