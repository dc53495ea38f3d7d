/**
 * The `setup:trainers` hook of scripts/setup.js: installs the transformers trainer's locked Python environment
 * (`npm run setup:transformers`) when it is needed, and only then.
 *   HUB_RETRAIN_SETUP_FOR=test   always: the test suite trains tiny transformers models.
 *   HUB_RETRAIN_SETUP_FOR=start  when a pipeline of RETRAIN_CONFIG (./config.json) runs the transformers trainer.
 * A config that does not load is left to `npm start`, which reports it with its key paths.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainerOf } from '../src/backends/local/trainer-choice';
import { loadConfigFile } from '../src/config/load-config';

const ROOT = join(__dirname, '..');

function needed(): string | undefined {
  if (process.env.HUB_RETRAIN_SETUP_FOR === 'test') return 'the tests fine-tune tiny transformers models';
  const path = process.env.RETRAIN_CONFIG ?? join(ROOT, 'config.json');
  if (!existsSync(path)) return undefined;
  let pipelines;
  try {
    pipelines = loadConfigFile(path);
  } catch {
    return undefined;
  }
  const names = pipelines.filter((p) => p.backend.type === 'local' && trainerOf(p.backend) === 'transformers');
  return names.length > 0 ? `pipeline ${names.map((p) => p.name).join(', ')} fine-tunes with transformers` : undefined;
}

const why = needed();
if (why) {
  process.stdout.write(`hub-retrain setup: the transformers trainer's Python environment (${why})\n`);
  const result = spawnSync('bash', [join(ROOT, 'trainers', 'transformers', 'setup.sh')], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
