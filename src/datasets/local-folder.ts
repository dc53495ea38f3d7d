/**
 * Local dataset folders (`input_dataset: "file:<path>"`). Their revision is a content hash: stable across
 * runs and machines, changed by any edit, rename, addition or removal of a file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PermanentBackendError } from '../errors';

/** Editor and OS droppings that are not data. */
const IGNORED = /(^|\/)(\.git|\.DS_Store|\.ipynb_checkpoints|__pycache__)(\/|$)|~$|\.swp$/;

export async function listDataFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(sep).join('/');
      if (IGNORED.test(rel)) continue;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(rel);
    }
  };
  await walk(root);
  return out.sort();
}

/** A 40-hex content hash over every file's path and bytes, in a stable order. */
export async function folderRevision(root: string): Promise<string> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new LocalDatasetError(`the dataset folder ${root} does not exist`);
  const files = await listDataFiles(root);
  if (files.length === 0) throw new LocalDatasetError(`the dataset folder ${root} has no files`);
  const total = createHash('sha256');
  for (const rel of files) {
    total.update(`${rel}\0${await fileHash(join(root, rel))}\n`);
  }
  return total.digest('hex').slice(0, 40);
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A frozen copy of the folder at `revision` under `cacheDir/<revision>`, so later edits never change what
 * a run trains on. Fails if the folder no longer has that content (a newer revision will be trained).
 */
export async function snapshotLocalFolder(root: string, revision: string, cacheDir: string): Promise<string> {
  const target = join(cacheDir, revision);
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  )
    return target;
  await mkdir(cacheDir, { recursive: true });
  const staging = `${target}.tmp-${process.pid}-${Date.now()}`;
  try {
    await cp(root, staging, {
      recursive: true,
      filter: (src) => !IGNORED.test(relative(root, src).split(sep).join('/')),
    });
    const copied = await folderRevision(staging);
    if (copied !== revision) {
      throw new LocalDatasetError(
        `the dataset folder ${root} changed after revision ${revision.slice(0, 7)} was taken`,
      );
    }
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err; // another attempt finished first
    });
    return target;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The folder is missing, empty or changed: retrying the same step cannot help. */
export class LocalDatasetError extends PermanentBackendError {
  override readonly name = 'LocalDatasetError';
}
