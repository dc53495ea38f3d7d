/**
 * The promotion verdict in the model card (README.md of the run's folder): both models' numbers, the rows they
 * were measured on, whether those were the same rows, the interval and the p-value. Written after the gate,
 * replacing an earlier verdict section (a retried evaluation writes it again, not twice).
 */
import type { PromotionDecision } from './promotion';

const HEADING = '## Promotion verdict';

export function withVerdictSection(card: string, d: PromotionDecision): string {
  const at = card.indexOf(`\n${HEADING}\n`);
  const before = (at >= 0 ? card.slice(0, at) : card).trimEnd();
  return `${before}\n\n${verdictSection(d)}`;
}

export function verdictSection(d: PromotionDecision): string {
  const value = (n: number | undefined) => (n === undefined ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(4));
  const rows: [string, string][] = [
    ['Put in service', d.promoted ? 'yes' : 'no'],
    ['Metric', d.metric ?? '-'],
    ['This model', value(d.candidate)],
    [`Model in service${d.currentRevision ? ` (\`${d.currentRevision.slice(0, 7)}\`)` : ''}`, value(d.current)],
    ['Rows', d.rows === undefined ? '-' : `${d.rows}${d.split ? ` (${d.split})` : ''}`],
    [
      'Same rows for both',
      d.sameData === undefined ? '-' : d.sameData ? 'yes' : 'no: the number in service is from other data',
    ],
    ['95% interval of the difference', d.interval ? `${value(d.interval[0])} to ${value(d.interval[1])}` : '-'],
    ['p-value ("no better")', d.pValue === undefined ? '-' : d.pValue.toPrecision(3)],
  ];
  return `${HEADING}\n\n${d.reason}\n\n| | |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`;
}
