import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh folder per test file, removed after it. */
export function useTempDir(prefix: string): () => string {
  let root = '';
  let count = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), `hub-retrain-${prefix}-`));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  return () => join(root, String(++count));
}

/** Writes `{ 'relative/path': content }` under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}
