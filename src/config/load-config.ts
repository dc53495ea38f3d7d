import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchemaFor, type PipelineSpec } from './config-schema';
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

export function parseConfig(raw: unknown, source = 'config.json'): PipelineSpec[] {
  const result = configSchemaFor(raw).safeParse(raw);
  if (!result.success) throw new ConfigError(source, flattenIssues(result.error));
  return result.data;
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
  return parseConfig(raw, file);
}
