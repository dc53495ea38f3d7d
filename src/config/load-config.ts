import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configSchemaFor, isLocalDataset, LOCAL_DATASET_PREFIX, type PipelineSpec } from './config-schema';
import { flattenIssues, type PathIssue } from './format-issues';

/** A configuration problem the user must fix; the message lists every key path and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: PathIssue[],
  ) {
    super(`${source} is not valid:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `baseDir` anchors relative `file:` dataset paths (the config file's folder). */
export function parseConfig(raw: unknown, source = 'config.json', baseDir = process.cwd()): PipelineSpec[] {
  const result = configSchemaFor(raw).safeParse(raw);
  if (!result.success) throw new ConfigError(source, flattenIssues(result.error));
  return result.data.map((spec) =>
    isLocalDataset(spec)
      ? { ...spec, local_path: resolve(baseDir, spec.input_dataset.slice(LOCAL_DATASET_PREFIX.length)) }
      : spec,
  );
}

export function loadConfigFile(path: string): PipelineSpec[] {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      {
        path: '(file)',
        message: code === 'ENOENT' ? 'file not found (set RETRAIN_CONFIG to its path)' : `cannot read: ${code}`,
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return parseConfig(raw, file, dirname(file));
}
