/** The data checks in an announcement: what each one found, in a line, and how to fix it. */
import type { DataCheckName } from '../config/data-checks';
import type { DataCheckResult } from '../datasets/data-report';

/** How to fix what a check found (or accept it: `data_checks.<check>: "warn"`). */
export const DATA_CHECK_FIXES: Record<DataCheckName, string> = {
  schema: 'give every data file the columns the task needs, or name them in the backend params / column_mapping',
  missing_values: 'fill in or remove the rows without a label or an input',
  unreadable_images: 'replace or remove the images that cannot be decoded',
  too_long: 'shorten the texts, or raise max_length in the backend params',
  small_classes: 'add rows to the small classes, merge them, or lower data_checks.min_rows_per_class',
  unseen_labels: 'add train rows for these labels, or remove them from validation and test',
  vanished_labels: 'add train rows for these labels again, or approve the run if they were removed on purpose',
  leakage: 'remove from validation and test the rows that are also in train',
  duplicates: 'remove the repeated train rows',
  changes: 'check that the relabelled rows were relabelled on purpose',
};

/** Markdown lines for the checks that found something; none when all passed. */
export function dataChecksSection(checks: readonly DataCheckResult[] | undefined): string[] {
  const found = (checks ?? []).filter((c) => c.status !== 'pass');
  if (found.length === 0) return [];
  const lines = [
    '',
    '**Data checks**',
    '',
    '| check | status | count | example | how to fix |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const c of found) {
    const example = (c.error ?? c.examples[0] ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160);
    const status = c.status === 'fail' ? '❌ fail' : c.policy === 'approve' ? '⏸️ approve' : '⚠️ warn';
    lines.push(`| \`${c.check}\` | ${status} | ${c.count} | ${example} | ${DATA_CHECK_FIXES[c.check]} |`);
  }
  lines.push('', "Each check does what the pipeline's `data_checks` say: `fail`, `approve` or `warn`.");
  return lines;
}
