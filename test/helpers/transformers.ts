/**
 * For tests of the transformers trainer: tiny models built offline in its Python environment
 * (trainers/transformers/tests/tiny_models.py: a 2-layer BERT with a WordPiece tokenizer trained on the given
 * texts, a 2-layer ViT), and small datasets a tiny model learns in two epochs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { transformersTrainer } from '../../src/backends/transformers-trainer';
import { seededRandom } from '../../trainers/core/random';

const run = promisify(execFile);
export const trainer = transformersTrainer();

/** Runs Python code in the trainer's environment (offline) and returns its stdout. */
export async function python(code: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(trainer.python, ['-c', code, ...args], {
    env: { ...process.env, HF_HUB_OFFLINE: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/**
 * A tiny model saved with save_pretrained, in a fresh folder: `text` (BERT) or `image` (ViT); `text-base` and
 * `image-base` have bert-base's and vit-base's dimensions (random weights, for benchmarks).
 */
export async function tinyModel(kind: 'text' | 'image' | 'text-base' | 'image-base', texts?: string): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), `tiny-${kind}-`));
  const script = join(trainer.folder, 'tests', 'tiny_models.py');
  await run(trainer.python, [script, kind, folder, ...(texts ? [texts] : [])], {
    env: { ...process.env, HF_HUB_OFFLINE: '1' },
  });
  return folder;
}

const GOOD = ['great', 'love', 'perfect', 'excellent', 'happy', 'works', 'fast', 'sturdy'];
const BAD = ['awful', 'broken', 'refund', 'slow', 'cheap', 'returned', 'useless', 'late'];
const FILLER = ['the', 'item', 'was', 'and', 'it', 'is', 'really', 'delivery', 'box'];

/** train.csv and validation.csv of short reviews whose words give the label away. */
export function reviewsFolder(train = 24, validation = 8, seed = 7): string {
  const folder = mkdtempSync(join(tmpdir(), 'reviews-'));
  const random = seededRandom(seed);
  const pick = (words: string[]) => words[Math.floor(random() * words.length)]!;
  const review = (words: string[]) => [...Array.from({ length: 8 }, () => pick([...words, ...FILLER])), pick(words)];
  for (const [split, count] of [
    ['train', train],
    ['validation', validation],
  ] as const) {
    const rows: string[] = [];
    for (let i = 0; i < count / 2; i++)
      rows.push(`${review(GOOD).join(' ')},positive`, `${review(BAD).join(' ')},negative`);
    writeFileSync(join(folder, `${split}.csv`), `review,label\n${rows.join('\n')}\n`);
  }
  return folder;
}

/** train/<colour>/*.png and validation/<colour>/*.png: red and blue swatches with noise. */
export async function swatchesFolder(perClass = 8, side = 40): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'swatches-'));
  const random = seededRandom(3);
  const colours = { red: [200, 40, 40], blue: [40, 40, 200] };
  for (const [split, count] of [
    ['train', perClass],
    ['validation', perClass / 2],
  ] as const) {
    for (const [label, rgb] of Object.entries(colours)) {
      mkdirSync(join(folder, split, label), { recursive: true });
      for (let i = 0; i < count; i++) {
        const [r, g, b] = rgb.map((c) => Math.max(0, Math.min(255, c + Math.floor(random() * 80) - 40)));
        const png = await sharp({
          create: { width: side, height: side, channels: 3, background: { r: r!, g: g!, b: b! } },
        })
          .png()
          .toBuffer();
        writeFileSync(join(folder, split, label, `${i}.png`), png);
      }
    }
  }
  return folder;
}

/** Parameters that let a tiny model learn in two short epochs. */
export const TINY_PARAMS = { epochs: 2, learning_rate: 0.005, batch_size: 8 };

/**
 * Per-test time for tests that start the Python trainer (torch's import alone takes seconds): a generous bound, so a
 * test on a busy machine (CI shares its 2 cores with other work) waits rather than fails; a hang still fails.
 */
export const TRAINER_TEST_TIMEOUT_MS = 600_000;
