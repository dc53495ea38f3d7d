/**
 * `<RETRAIN_STATE_DIR>/receiver.json`: where a running receiver listens, written when it starts and removed
 * when it stops, so the CLI finds a receiver started with another PORT from the same folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReceiverRecord {
  url: string;
  pid: number;
  startedAt: string;
}

export const receiverFilePath = (stateDir: string): string => join(stateDir, 'receiver.json');

/** Records this process's receiver; returns the function that removes the record (if it is still ours). */
export function writeReceiverFile(stateDir: string, port: number): () => void {
  const path = receiverFilePath(stateDir);
  const record: ReceiverRecord = {
    url: `http://localhost:${port}`,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(record)}\n`);
  return () => {
    if (readReceiverFile(stateDir, () => true)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** The receiver recorded in `stateDir`, if its process is still alive. */
export function readReceiverFile(
  stateDir: string,
  alive: (pid: number) => boolean = isAlive,
): ReceiverRecord | undefined {
  let record: Partial<ReceiverRecord>;
  try {
    record = JSON.parse(readFileSync(receiverFilePath(stateDir), 'utf8')) as Partial<ReceiverRecord>;
  } catch {
    return undefined;
  }
  if (typeof record.url !== 'string' || typeof record.pid !== 'number' || !alive(record.pid)) return undefined;
  return { url: record.url, pid: record.pid, startedAt: String(record.startedAt ?? '') };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
