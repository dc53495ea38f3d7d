/**
 * Small synthetic support-ticket datasets: three categories written from overlapping vocabulary (every
 * category mentions the account, the app and an order), with skewed class shares, so a keyword lookup is
 * not enough and the majority baseline sits near one half.
 */
import { seededRandom } from '../../core/random';

export const CATEGORIES = { billing: 0.5, delivery: 0.3, technical: 0.2 } as const;
export type Category = keyof typeof CATEGORIES;

const PHRASES: Record<Category, string[]> = {
  billing: [
    'charged twice',
    'refund for my order',
    'invoice shows the wrong amount',
    'card was declined',
    'cancel my subscription',
    'payment failed in the app',
    'price on my account',
  ],
  delivery: [
    'parcel has not arrived',
    'tracking number does not work',
    'courier left my order',
    'delivery address',
    'package was damaged',
    'order is late',
    'wrong item in the box',
  ],
  technical: [
    'app crashes on login',
    'cannot reset my password',
    'page will not load',
    'error code',
    'account is locked',
    'update broke the app',
    'two factor code never arrives',
  ],
};
const FILLER = [
  'hello',
  'please help',
  'thanks',
  'my account',
  'the app',
  'my order',
  'since yesterday',
  'again',
  'urgent',
  'as soon as possible',
  'I tried twice',
];

export interface TextRow {
  text: string;
  label: Category;
}

export function syntheticTickets(count: number, seed: number): TextRow[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const labels = Object.keys(CATEGORIES) as Category[];
  const rows: TextRow[] = [];
  for (let i = 0; i < count; i++) {
    let r = random();
    const label = labels.find((l) => (r -= CATEGORIES[l]) < 0) ?? 'billing';
    // One phrase of the ticket's category, one from another category half the time, and filler.
    const words = [pick(FILLER), pick(PHRASES[label]), pick(FILLER)];
    if (random() < 0.5) words.push(pick(PHRASES[pick(labels.filter((l) => l !== label))]));
    words.push(pick(PHRASES[label]));
    rows.push({ text: words.join(' ').replace(/^./, (c) => c.toUpperCase()), label });
  }
  return rows;
}

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  const field = (v: string): string => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return (
    [columns.join(','), ...rows.map((row) => columns.map((c) => field(String(row[c] ?? ''))).join(','))].join('\n') +
    '\n'
  );
}

export function toJsonLines(rows: readonly object[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}
