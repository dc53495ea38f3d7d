/**
 * Section 8 of bench/RESULTS.md: the transformers trainer and the TypeScript baseline on the CPU
 * (bench/trainers.bench.ts, trainers.json), with published GPU figures quoted beside them.
 */
import { markdownTable } from '../lib/markdown';
import { formatNumber, formatRatio, formatSpread, pairedRatio, type Spread } from '../lib/stats';
import type { TrainersResults } from '../trainers.bench';
import type { Headline } from './shared';

/** Published figures for real base models, quoted (not measured here). */
const PUBLISHED_GLUE =
  "transformers' examples/pytorch/text-classification/README.md: `run_glue.py`, bert-base-cased, 3 epochs, 128 tokens, " +
  'batch 32 on one Titan RTX: SST-2 (67,349 sentences) 26:06 in fp32 and 13:11 in fp16, about **8.7 and 4.4 minutes per ' +
  'epoch**; MRPC (3,668 pairs, 5 epochs) 2:21 and 1:10, about 28 and 14 seconds per epoch';

export function trainersSection(t: TrainersResults | undefined, headline: Headline): string[] {
  if (!t) return [];
  const s = (x: Spread | undefined, digits = 2) => (x ? formatSpread(x, digits) : 'n/a');
  const byName = (prefix: string) => t.cases.find((c) => c.name.startsWith(prefix));
  const rows = t.cases.map((c) => {
    const last = c.runs.at(-1);
    const rate = last?.trainRows && c.perEpoch ? formatNumber(last.trainRows / c.perEpoch.median, 1) : 'n/a';
    const accuracy =
      last?.accuracy !== undefined
        ? `${formatNumber(last.accuracy, 3)} (majority ${formatNumber(last.baselineAccuracy ?? NaN, 3)})`
        : 'n/a';
    return [c.name, c.data, s(c.wall, 1), s(c.startup, 1), s(c.perEpoch), rate, last?.epochs ?? 'n/a', accuracy];
  });
  const ratio = (a?: TrainersResults['cases'][number], b?: TrainersResults['cases'][number]) =>
    a && b ? formatRatio(pairedRatio(a.wall.values, b.wall.values)) : 'n/a';
  const textRatio = ratio(byName('text, tiny'), byName('text, TypeScript'));
  const imageRatio = ratio(byName('image, tiny'), byName('image, TypeScript'));
  const bert = byName('text, bert-base');
  const vit = byName('image, vit-base');
  headline.trainers =
    `a Python training run starts in ${s(t.imports, 1)} s of interpreter and imports; the tiny test models take ` +
    `${textRatio} (text) and ${imageRatio} (images) the wall time of the TypeScript baseline on the same data; ` +
    `bert-base dimensions train ${bert?.perEpoch ? formatNumber((bert.runs.at(-1)?.trainRows ?? 0) / bert.perEpoch.median, 2) : 'n/a'} ` +
    `rows/s on this CPU, vit-base ${vit?.perEpoch ? formatNumber((vit.runs.at(-1)?.trainRows ?? 0) / vit.perEpoch.median, 2) : 'n/a'} images/s`;
  return [
    '## 8. Trainers: the transformers trainer and the TypeScript baseline',
    '',
    `Each run is the trainer command as the local backend starts it, on the CPU (torch ${t.versions.torch ?? '?'}, ` +
      `transformers ${t.versions.transformers ?? '?'}, CUDA available: ${t.versions.cuda ?? '?'}), ${t.settings.reps} ` +
      `repetitions interleaved (the base-sized models once). Load average ${t.conditions.start.loadavg.join(', ')} at the ` +
      `start, ${t.conditions.end?.loadavg.join(', ') ?? 'n/a'} at the end: the machine was shared, read the ratios.`,
    '',
    `Fixed cost of a Python run: the interpreter alone **${s(t.interpreter)} s**; with torch, transformers and datasets ` +
      `imported **${s(t.imports, 1)} s**. The trainer's own start-up (environment, dataset, imports, base model, ` +
      'tokenising) is the "start-up" column; "per epoch" is training plus the evaluation after each epoch ' +
      "(the Trainer's `train_runtime` ÷ epochs; for the baseline, its `train_seconds` ÷ epochs).",
    '',
    markdownTable(['run', 'data', 'wall s', 'start-up s', 'per epoch s', 'rows/s', 'epochs', 'accuracy'], rows, [
      'l',
      'l',
      'r',
      'r',
      'r',
      'r',
      'r',
      'l',
    ]),
    '',
    `Wall time of the tiny transformers model ÷ the baseline's, same data, paired runs: text **${textRatio}**, images ` +
      `**${imageRatio}**. The bert-base and vit-base rows have those models' dimensions with random weights ` +
      '(no download here); the time per row is what the real checkpoints cost, the accuracy is meaningless.',
    '',
    `For a real base model on a GPU, quoted from ${PUBLISHED_GLUE}. Not measured here: this machine has no GPU.`,
    '',
  ];
}
