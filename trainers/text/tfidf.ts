import { z } from 'zod';
import type { FeatureVector } from '../core/softmax-regression';

export interface TfidfOptions {
  /** Word n-gram range, e.g. [1, 2] for unigrams and bigrams. */
  wordNgrams: readonly [number, number];
  /** Character n-gram range within each word (padded with spaces), or false. */
  charNgrams: readonly [number, number] | false;
  minDf: number;
  maxFeatures: number;
}

/** Everything needed to rebuild the vectorizer: saved as the model's `features.json`. */
export interface TfidfState extends TfidfOptions {
  kind: 'tfidf';
  /** Terms in feature order: `w:<words>` for word n-grams, `c:<chars>` for character n-grams. */
  terms: string[];
  idf: number[];
}

// Words (with inner apostrophes), and the punctuation and emoji that carry sentiment on their own.
const TOKEN = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*|[!?]|\p{Extended_Pictographic}/gu;

export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/’/g, "'").match(TOKEN) ?? [];
}

/** Term counts of one text. Word and character n-grams live in one space, told apart by their prefix. */
export function analyze(text: string, options: TfidfOptions): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (term: string): void => {
    counts.set(term, (counts.get(term) ?? 0) + 1);
  };
  const tokens = tokenize(text);
  const [wordLo, wordHi] = options.wordNgrams;
  for (let n = wordLo; n <= wordHi; n++) {
    for (let i = 0; i + n <= tokens.length; i++) add(`w:${tokens.slice(i, i + n).join(' ')}`);
  }
  if (options.charNgrams) {
    const [charLo, charHi] = options.charNgrams;
    for (const token of tokens) {
      const padded = ` ${token} `;
      for (let n = charLo; n <= charHi; n++) {
        for (let i = 0; i + n <= padded.length; i++) add(`c:${padded.slice(i, i + n)}`);
      }
    }
  }
  return counts;
}

/**
 * TF-IDF with sublinear term frequency and smoothed idf (scikit-learn's formulas). Each block (words,
 * characters) is L2-normalised on its own and the blocks weigh the same, so long texts with many
 * character n-grams do not drown the word features.
 */
export class TfidfVectorizer {
  private readonly index = new Map<string, number>();
  /** 0 for a word n-gram, 1 for a character n-gram, per feature. */
  private readonly blockOfFeature: Uint8Array;
  private readonly blocks: number;

  constructor(readonly state: TfidfState) {
    state.terms.forEach((term, i) => this.index.set(term, i));
    this.blockOfFeature = Uint8Array.from(state.terms, blockOf);
    this.blocks = state.charNgrams ? 2 : 1;
  }

  get numFeatures(): number {
    return this.state.terms.length;
  }

  transform(text: string): FeatureVector {
    const counts = analyze(text, this.state);
    const indices = new Uint32Array(counts.size);
    const raw = new Float64Array(counts.size);
    const sumSquares = [0, 0];
    let n = 0;
    for (const [term, count] of counts) {
      const i = this.index.get(term);
      if (i === undefined) continue;
      const value = (1 + Math.log(count)) * (this.state.idf[i] ?? 0);
      sumSquares[this.blockOfFeature[i]!]! += value * value;
      indices[n] = i;
      raw[n++] = value;
    }
    const norms = sumSquares.map((s) => (s > 0 ? Math.sqrt(s) * Math.sqrt(this.blocks) : 1));
    const values = new Float32Array(n);
    for (let j = 0; j < n; j++) values[j] = raw[j]! / norms[this.blockOfFeature[indices[j]!]!]!;
    return { indices: indices.slice(0, n), values };
  }
}

function blockOf(term: string): number {
  return term.startsWith('c:') ? 1 : 0;
}

/** Learns the vocabulary and idf from the training texts. */
export function fitTfidf(texts: readonly string[], options: TfidfOptions): TfidfVectorizer {
  const df = new Map<string, number>();
  for (const text of texts) for (const term of analyze(text, options).keys()) df.set(term, (df.get(term) ?? 0) + 1);
  // A term seen in a single text cannot generalise; but keep everything when the data is tiny.
  const minDf = texts.length >= 4 * options.minDf ? options.minDf : 1;
  let kept = [...df].filter(([, count]) => count >= minDf);
  if (kept.length > options.maxFeatures) {
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    kept = kept.slice(0, options.maxFeatures);
  }
  kept.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const n = texts.length;
  return new TfidfVectorizer({
    kind: 'tfidf',
    wordNgrams: options.wordNgrams,
    charNgrams: options.charNgrams,
    minDf: options.minDf,
    maxFeatures: options.maxFeatures,
    terms: kept.map(([term]) => term),
    idf: kept.map(([, count]) => Math.log((1 + n) / (1 + count)) + 1),
  });
}

const range = z.tuple([z.number().int().min(1), z.number().int().min(1)]);

/** The saved vectorizer, checked when a model is loaded. */
export const tfidfStateSchema = z
  .object({
    kind: z.literal('tfidf'),
    wordNgrams: range,
    charNgrams: z.union([range, z.literal(false)]),
    minDf: z.number().int(),
    maxFeatures: z.number().int(),
    terms: z.array(z.string()),
    idf: z.array(z.number()),
  })
  .refine((s) => s.terms.length === s.idf.length, { message: 'terms and idf differ in length' });
