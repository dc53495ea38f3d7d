/**
 * Small synthetic image datasets, made at test time: three shape classes (horizontal stripes, a
 * checkerboard, a disc) drawn in random colours with random sizes, offsets and noise, so colour alone says
 * nothing about the class and a model has to pick up the shape.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../../core/random';

export const SHAPES = ['checks', 'disc', 'stripes'] as const;
export type Shape = (typeof SHAPES)[number];

export async function syntheticImage(
  shape: Shape,
  random: () => number,
  format: 'png' | 'jpeg' = 'png',
  size = 48,
): Promise<Buffer> {
  const colour = (): number[] => [0, 1, 2].map(() => Math.floor(random() * 256));
  const fg = colour();
  const bg = colour();
  // Keep the two colours apart so the shape is visible.
  if (Math.abs(fg[0]! - bg[0]!) + Math.abs(fg[1]! - bg[1]!) + Math.abs(fg[2]! - bg[2]!) < 200)
    bg.forEach((v, i) => (bg[i] = 255 - fg[i]!));
  const period = 6 + Math.floor(random() * 8);
  const offset = Math.floor(random() * period);
  const cx = size * (0.35 + 0.3 * random());
  const cy = size * (0.35 + 0.3 * random());
  const radius = size * (0.2 + 0.15 * random());
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let on: boolean;
      if (shape === 'stripes') on = Math.floor((y + offset) / (period / 2)) % 2 === 0;
      else if (shape === 'checks')
        on = (Math.floor((x + offset) / period) + Math.floor((y + offset) / period)) % 2 === 0;
      else on = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
      const base = on ? fg : bg;
      for (let c = 0; c < 3; c++) {
        const noise = (random() - 0.5) * 60;
        pixels[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, base[c]! + noise));
      }
    }
  }
  const image = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}

/** Writes `<split>/<shape>/<n>.png|jpg` folders; returns the number of images per split. */
export async function writeImageFolders(dir: string, counts: Record<string, number>, seed = 1): Promise<void> {
  const random = seededRandom(seed);
  for (const [split, perClass] of Object.entries(counts)) {
    for (const shape of SHAPES) {
      const folder = join(dir, split, shape);
      await mkdir(folder, { recursive: true });
      for (let i = 0; i < perClass; i++) {
        const format = i % 2 === 0 ? 'png' : 'jpeg';
        await writeFile(
          join(folder, `${i}.${format === 'png' ? 'png' : 'jpg'}`),
          await syntheticImage(shape, random, format),
        );
      }
    }
  }
}
