/**
 * Cheap, CPU-friendly image features from `size` x `size` RGB pixels: a HOG descriptor (shape and texture),
 * colour histograms (what colours), a coarse colour layout (where they are) and a tiny contrast-normalised
 * grey thumbnail. Together they let a linear model tell apart classes that differ in shape or in colour.
 */
export const GRID = 8; // cells per side for HOG and the thumbnail
const ORIENTATIONS = 9;
const COLOUR_LEVELS = 4;
const HUE_BINS = 12;
const LAYOUT = 4;

export function featureLength(): number {
  const blocks = (GRID - 1) * (GRID - 1) * 4 * ORIENTATIONS;
  return blocks + COLOUR_LEVELS ** 3 + HUE_BINS + LAYOUT * LAYOUT * 3 + GRID * GRID;
}

export function imageFeatures(rgb: Uint8Array, size: number): Float32Array {
  const out = new Float32Array(featureLength());
  const grey = new Float32Array(size * size);
  for (let p = 0; p < size * size; p++) {
    grey[p] = (0.299 * rgb[3 * p]! + 0.587 * rgb[3 * p + 1]! + 0.114 * rgb[3 * p + 2]!) / 255;
  }
  let offset = hog(grey, size, out, 0);
  offset = colourHistograms(rgb, size, out, offset);
  offset = colourLayout(rgb, size, out, offset);
  thumbnail(grey, size, out, offset);
  return out;
}

/** Histograms of gradient orientation per cell, normalised over 2x2-cell blocks (L2-Hys, as Dalal & Triggs). */
function hog(grey: Float32Array, size: number, out: Float32Array, offset: number): number {
  const cell = Math.floor(size / GRID);
  const cells = new Float32Array(GRID * GRID * ORIENTATIONS);
  for (let y = 0; y < GRID * cell; y++) {
    for (let x = 0; x < GRID * cell; x++) {
      const gx = pixel(grey, size, x + 1, y) - pixel(grey, size, x - 1, y);
      const gy = pixel(grey, size, x, y + 1) - pixel(grey, size, x, y - 1);
      const magnitude = Math.hypot(gx, gy);
      if (magnitude === 0) continue;
      // Unsigned orientation in [0, ORIENTATIONS), shared linearly between the two nearest bins.
      const angle = ((Math.atan2(gy, gx) + Math.PI) % Math.PI) / Math.PI;
      const position = angle * ORIENTATIONS - 0.5;
      const low = Math.floor(position);
      const share = position - low;
      const base = (Math.floor(y / cell) * GRID + Math.floor(x / cell)) * ORIENTATIONS;
      cells[base + ((low + ORIENTATIONS) % ORIENTATIONS)]! += magnitude * (1 - share);
      cells[base + ((low + 1) % ORIENTATIONS)]! += magnitude * share;
    }
  }
  const block = new Float32Array(4 * ORIENTATIONS);
  for (let by = 0; by < GRID - 1; by++) {
    for (let bx = 0; bx < GRID - 1; bx++) {
      let n = 0;
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ] as const) {
        const base = ((by + dy) * GRID + (bx + dx)) * ORIENTATIONS;
        for (let o = 0; o < ORIENTATIONS; o++) block[n++] = cells[base + o]!;
      }
      normaliseL2Hys(block);
      out.set(block, offset);
      offset += block.length;
    }
  }
  return offset;
}

// Module-level helpers, not closures in the pixel loops: tsx wraps every closure it creates to keep its name.
/** A grey value, with the edge pixels repeated beyond the border. */
function pixel(grey: Float32Array, size: number, x: number, y: number): number {
  return grey[Math.min(size - 1, Math.max(0, y)) * size + Math.min(size - 1, Math.max(0, x))]!;
}

function quantise(value: number): number {
  return Math.min(COLOUR_LEVELS - 1, Math.floor((value * COLOUR_LEVELS) / 256));
}

function normaliseL2Hys(values: Float32Array): void {
  const normalise = (): void => {
    let sum = 1e-6;
    for (const v of values) sum += v * v;
    const norm = Math.sqrt(sum);
    for (let i = 0; i < values.length; i++) values[i]! /= norm;
  };
  normalise();
  for (let i = 0; i < values.length; i++) values[i] = Math.min(values[i]!, 0.2);
  normalise();
}

/** A joint RGB histogram and a saturation-weighted hue histogram, square-rooted (Hellinger) to tame peaks. */
function colourHistograms(rgb: Uint8Array, size: number, out: Float32Array, offset: number): number {
  const pixels = size * size;
  const joint = COLOUR_LEVELS ** 3;
  for (let p = 0; p < pixels; p++) {
    const r = rgb[3 * p]!;
    const g = rgb[3 * p + 1]!;
    const b = rgb[3 * p + 2]!;
    out[offset + (quantise(r) * COLOUR_LEVELS + quantise(g)) * COLOUR_LEVELS + quantise(b)]! += 1 / pixels;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const chroma = max - min;
    if (chroma === 0) continue;
    let hue = max === r ? (g - b) / chroma : max === g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
    hue = ((hue % 6) + 6) % 6;
    out[offset + joint + Math.min(HUE_BINS - 1, Math.floor((hue / 6) * HUE_BINS))]! += chroma / 255 / pixels;
  }
  for (let i = offset; i < offset + joint + HUE_BINS; i++) out[i] = Math.sqrt(out[i]!);
  return offset + joint + HUE_BINS;
}

/** Mean colour of each cell of a coarse grid. */
function colourLayout(rgb: Uint8Array, size: number, out: Float32Array, offset: number): number {
  const cell = Math.floor(size / LAYOUT);
  const perCell = cell * cell * 255;
  for (let y = 0; y < LAYOUT * cell; y++) {
    for (let x = 0; x < LAYOUT * cell; x++) {
      const p = y * size + x;
      const base = offset + (Math.floor(y / cell) * LAYOUT + Math.floor(x / cell)) * 3;
      for (let c = 0; c < 3; c++) out[base + c]! += rgb[3 * p + c]! / perCell;
    }
  }
  return offset + LAYOUT * LAYOUT * 3;
}

/** A GRID x GRID grey thumbnail with zero mean and unit variance (robust to exposure). */
function thumbnail(grey: Float32Array, size: number, out: Float32Array, offset: number): number {
  const cell = Math.floor(size / GRID);
  const cells = new Float32Array(GRID * GRID);
  for (let y = 0; y < GRID * cell; y++) {
    for (let x = 0; x < GRID * cell; x++)
      cells[Math.floor(y / cell) * GRID + Math.floor(x / cell)]! += grey[y * size + x]!;
  }
  let mean = 0;
  for (const v of cells) mean += v / cells.length;
  let variance = 0;
  for (const v of cells) variance += (v - mean) ** 2 / cells.length;
  const std = Math.sqrt(variance) || 1;
  cells.forEach((v, i) => (out[offset + i] = (v - mean) / std));
  return offset + cells.length;
}
