/**
 * Where the project lives on disk: the trainers, the workflow bundle and the pinned Temporal CLI are found from
 * here. A floor module (Node built-ins only), so the backends, the dev server and the CLI take it from below.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
