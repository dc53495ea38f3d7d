/**
 * The data checks of a run in `show` and `watch`: one line per check that found something, with its first example.
 * The view's strings come escaped (escapeControl) from the receiver API's reader.
 */
import type { RunDetailView } from '../server/api/api-schemas';

export function dataCheckLines(r: Pick<RunDetailView, 'dataChecks' | 'dataChecksSkipped'>): string[] {
  if (r.dataChecksSkipped) return [`data checks not run: ${r.dataChecksSkipped}`];
  if (!r.dataChecks) return [];
  const found = r.dataChecks.filter((c) => c.status !== 'pass');
  if (found.length === 0) return [`data checks all ${r.dataChecks.length} passed`];
  return [
    `data checks ${r.dataChecks.length - found.length} of ${r.dataChecks.length} passed`,
    ...found.map((c) => {
      const status = c.status === 'warn' && c.policy === 'approve' ? 'approve' : c.status;
      const example = c.error ?? c.examples[0];
      return `  ${status.padEnd(7)} ${c.check} ${c.count}${example ? `: ${example}` : ''}`;
    }),
  ];
}
