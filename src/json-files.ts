/**
 * JSON files that one process writes and another reads while it may be writing (a trainer's progress, the model
 * registry's records): written whole by a rename, read as absent while half there. A floor module.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Write-then-rename, so a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined; // being replaced right now; the next poll reads it
  }
}
