import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configSchemaFor, isLocalDataset, LOCAL_DATASET_PREFIX, type PipelineSpec } from './config-schema';
import { flattenIssues, formatPath, type PathIssue } from './format-issues';
import { locateJsonError } from './json-error';

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
  const schema = configSchemaFor(raw);
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, flattenIssues(result.error, schema));
  return result.data.map((spec) => {
    const folder = (dataset: string) => resolve(baseDir, dataset.slice(LOCAL_DATASET_PREFIX.length));
    const evaluation = spec.evaluation?.dataset.startsWith(LOCAL_DATASET_PREFIX)
      ? { evaluation_path: folder(spec.evaluation.dataset) }
      : {};
    return isLocalDataset(spec)
      ? { ...spec, ...evaluation, local_path: folder(spec.input_dataset) }
      : { ...spec, ...evaluation };
  });
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
    const at = locateJsonError(text, (err as Error).message);
    throw new ConfigError(file, [
      { path: '(file)', message: `not valid JSON at line ${at.line}, column ${at.column}: ${at.message}` },
    ]);
  }
  const pipelines = parseConfig(raw, file, dirname(file));
  const missing = missingFolders(pipelines, isFullForm(raw));
  if (missing.length > 0) throw new ConfigError(file, missing);
  return pipelines;
}

const isFullForm = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && 'pipelines' in raw;

/**
 * A `file:` dataset must be a folder with files in it now, before anything starts (the watcher, the
 * workflow bundle): a typo in the path is a config error, not a failed run later.
 */
function missingFolders(pipelines: PipelineSpec[], full: boolean): PathIssue[] {
  const issues: PathIssue[] = [];
  pipelines.forEach((spec, i) => {
    const folder = spec.local_path;
    if (!folder) return;
    const path = formatPath(full ? ['pipelines', i, 'input_dataset'] : ['input_dataset']);
    const relativeTo = 'a "file:" path is relative to the folder of the config file';
    let problem: string | undefined;
    try {
      if (!statSync(folder).isDirectory()) problem = `${folder} is not a folder`;
      else if (readdirSync(folder).length === 0)
        problem = `the folder ${folder} is empty: put the dataset's files in it`;
    } catch {
      problem = `the folder ${folder} does not exist (${relativeTo})`;
    }
    if (problem) issues.push({ path, message: problem });
  });
  return issues;
}
