import sharp from 'sharp';
import { TrainerInputError } from '../core/errors';
import type { ImageSource } from '../data/load-images';

// Decoded images are used once; libvips' cache would only hold memory.
sharp.cache(false);

/** The name of an image for messages. */
export function imageName(source: ImageSource): string {
  return 'path' in source ? source.path : source.name;
}

/**
 * Decodes any format sharp reads into `size` x `size` sRGB pixels (3 bytes each, row-major): EXIF rotation
 * applied, transparency flattened onto white, the whole picture squeezed (not cropped) to the square.
 */
export async function decodeImage(source: ImageSource, size: number): Promise<Uint8Array> {
  const input =
    'path' in source ? source.path : Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  try {
    const { data, info } = await sharp(input, { failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(size, size, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== size * size * 3) {
      throw new Error(`decoded to ${info.channels} channels, ${info.width}x${info.height}`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    throw new TrainerInputError(
      `${imageName(source)}: cannot decode the image (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/**
 * Decodes many images with a bounded number in flight and maps each one as soon as it is decoded (so only
 * the mapped result is kept, not the pixels), keeping their order.
 */
export async function decodeAll<T>(
  sources: readonly ImageSource[],
  size: number,
  map: (rgb: Uint8Array) => T,
  onProgress: (done: number) => void,
  concurrency = 8,
): Promise<T[]> {
  const out = new Array<T>(sources.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const i = next++;
      out[i] = map(await decodeImage(sources[i]!, size));
      done++;
      if (done % 50 === 0 || done === sources.length) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  return out;
}
