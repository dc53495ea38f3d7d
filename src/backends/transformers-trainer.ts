/**
 * Where the transformers trainer lives (trainers/transformers: a uv project with its lock), how the local
 * backend runs it (the Python of the venv that `npm run setup:transformers` makes), and the same files packed
 * for a Hugging Face Jobs run, which unpacks them and runs them with `uv run --frozen`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../project-root';

/** The one command that installs the trainer's locked Python environment (README, .ci/run). */
export const SETUP_COMMAND = 'npm run setup:transformers';

export interface TransformersTrainer {
  /** trainers/transformers */
  folder: string;
  /** The venv's interpreter; present once the setup command ran. */
  python: string;
  train: string[];
  predict: string[];
  /** Loads a model once and answers predictions as JSON lines (the local predict endpoint). */
  serve: string[];
  preflight: string[];
  /** AutoTrain's evaluation step: both models on the same rows (compare.py). */
  compare: string[];
}

export function transformersTrainer(root = projectRoot()): TransformersTrainer {
  const folder = join(root, 'trainers', 'transformers');
  const python = join(folder, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const script = (name: string) => [python, join(folder, name)];
  return {
    folder,
    python,
    train: script('train.py'),
    predict: script('predict.py'),
    serve: script('serve.py'),
    preflight: script('preflight.py'),
    compare: script('compare.py'),
  };
}

/** The files a Jobs run needs: the project, its lock, the job entry points and the trainer's package. */
function bundleFiles(folder: string): string[] {
  const pkg = 'hub_retrain_trainer';
  const modules = readdirSync(join(folder, pkg))
    .filter((name) => name.endsWith('.py'))
    .sort()
    .map((name) => `${pkg}/${name}`);
  return ['pyproject.toml', 'uv.lock', 'job.py', 'compare_job.py', ...modules];
}

let cachedBundle: { folder: string; base64: string } | undefined;

/**
 * The trainer as a base64 gzipped tar, the same bytes for the same sources (no timestamps, fixed order and
 * modes), so every retry of a step builds the same job request.
 */
export function trainerBundle(folder = transformersTrainer().folder): string {
  if (cachedBundle?.folder === folder) return cachedBundle.base64;
  const files = bundleFiles(folder);
  const missing = files.filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) throw new Error(`the transformers trainer in ${folder} lacks ${missing.join(', ')}`);
  const tar = Buffer.concat([
    ...files.flatMap((file) => tarEntry(file, readFileSync(join(folder, file)))),
    Buffer.alloc(1024), // two empty blocks end the archive
  ]);
  const base64 = gzipSync(tar, { level: 9 }).toString('base64');
  cachedBundle = { folder, base64 };
  return base64;
}

const BLOCK = 512;

/** One file of a POSIX ustar archive: a header block, then the content padded to whole blocks. */
function tarEntry(name: string, content: Buffer): Buffer[] {
  if (Buffer.byteLength(name) > 100) throw new Error(`${name}: too long a name for a tar header`);
  const header = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  header.write(name, 0, 100, 'utf8');
  octal(100, 8, 0o644); // mode
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, content.length);
  octal(136, 12, 0); // mtime: none, so the bytes depend on the content only
  field(148, 8, '        '); // the checksum counts its own field as spaces
  field(156, 1, '0'); // a regular file
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK);
  return [header, content, padding];
}
