import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { trainersCommand } from '../trainer-process';

/** The project's root folder (where package.json names hub-retrain), from source or from dist/. */
export function projectRoot(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'hub-retrain'
    ) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the hub-retrain project root above ${start}`);
  }
}

/** The command that runs the default trainers in trainers/ (chosen by RETRAIN_TASK). */
export function defaultTrainerCommand(): string[] {
  return trainersCommand('train');
}
