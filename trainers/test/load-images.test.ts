import { relative } from 'node:path';
import sharp from 'sharp';
import { TrainerInputError } from '../core/errors';
import { loadImageDataset, type ImageExample } from '../data/load-images';
import { decodeImage } from '../image/decode';
import { seededRandom } from '../core/random';
import { syntheticImage } from './helpers/synthetic-images';
import { useTempDir, writeFiles } from './helpers/temp-dir';

const newDir = useTempDir('load-images');
let png: Buffer;
beforeAll(async () => {
  png = await syntheticImage('disc', seededRandom(1));
});

/** `label:relative/path` per example. */
const summary = (dir: string, rows: ImageExample[] | undefined): string[] =>
  (rows ?? []).map((row) => `${row.label}:${'path' in row.image ? relative(dir, row.image.path) : 'bytes'}`);

describe('loading image datasets', () => {
  it('labels images by their folder and splits by the folder above', async () => {
    const dir = await writeFiles(newDir(), {
      'train/cat/1.png': png,
      'train/dog/2.jpg': png,
      'validation/cat/test_3.png': png, // a file name that names a split does not move it
      'README.md': '# pets',
    });
    const data = await loadImageDataset(dir);
    expect(summary(dir, data.splits.train)).toEqual(['cat:train/cat/1.png', 'dog:train/dog/2.jpg']);
    expect(summary(dir, data.splits.validation)).toEqual(['cat:validation/cat/test_3.png']);
    expect(data.files).toEqual({ train: ['train'], validation: ['validation'] });
  });

  it('reads <label>/ folders without a split folder as train', async () => {
    const dir = await writeFiles(newDir(), { 'images/cat/1.png': png, 'images/dog/1.png': png });
    const data = await loadImageDataset(dir);
    expect(summary(dir, data.splits.train)).toEqual(['cat:images/cat/1.png', 'dog:images/dog/1.png']);
  });

  it('reads an imagefolder metadata.csv that names files and labels', async () => {
    const dir = await writeFiles(newDir(), {
      'train/metadata.csv': 'file_name,species\na.png,cat\nb.png,dog\n',
      'train/a.png': png,
      'train/b.png': png,
    });
    const data = await loadImageDataset(dir, { label_column: 'species' });
    expect(summary(dir, data.splits.train)).toEqual(['cat:train/a.png', 'dog:train/b.png']);
    expect(data.columns).toEqual({ image: 'file_name', label: 'species' });
  });

  it('fails clearly for images outside a label folder, a missing image and a folder without images', async () => {
    const loose = await writeFiles(newDir(), { 'cat.png': png });
    await expect(loadImageDataset(loose)).rejects.toThrow(/cat\.png: an image outside any folder has no label/);

    const missing = await writeFiles(newDir(), { 'metadata.jsonl': '{"file_name": "gone.png", "label": "cat"}\n' });
    await expect(loadImageDataset(missing)).rejects.toThrow(/metadata\.jsonl: row 1: image file "gone\.png" not found/);

    const empty = await writeFiles(newDir(), { 'notes.txt': 'nothing here' });
    const loading = loadImageDataset(empty);
    await expect(loading).rejects.toThrow(TrainerInputError);
    await expect(loading).rejects.toThrow(
      /no images in .*expected image folders \(train\/<label>\/\*\.jpg\|png\).*found notes\.txt/,
    );
  });
});

describe('decoding images', () => {
  it('turns grey, transparent and colour images of any size into size x size RGB', async () => {
    const grey = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#808080' } })
      .greyscale()
      .png()
      .toBuffer();
    const transparent = await sharp({
      create: { width: 10, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    for (const bytes of [grey, transparent, png]) {
      const rgb = await decodeImage({ bytes, name: 'x' }, 16);
      expect(rgb).toHaveLength(16 * 16 * 3);
    }
    // Transparency is flattened onto white, not black.
    expect([...(await decodeImage({ bytes: transparent, name: 'x' }, 16)).slice(0, 3)]).toEqual([255, 255, 255]);
  });

  it('names the image it cannot decode', async () => {
    const dir = await writeFiles(newDir(), { 'train/cat/broken.jpg': 'not a jpeg' });
    const [row] = (await loadImageDataset(dir)).splits.train ?? [];
    await expect(decodeImage(row!.image, 16)).rejects.toThrow(/broken\.jpg: cannot decode the image/);
  });
});
