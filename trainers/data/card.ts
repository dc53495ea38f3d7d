import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TrainerInputError } from '../core/errors';
import { SPLIT_NAMES, splitsOfPaths, type SplitName } from './splits';

/**
 * The data files a dataset card names for its default config, as `datasets` reads them (the rule the Hub's viewer
 * and AutoTrain follow): README.md's YAML `configs: [{config_name, data_dir?, data_files?}]`, with
 * `.huggingface.yaml` over it. References: datasets/src/datasets/utils/metadata.py (`MetadataConfigs`,
 * `get_default_config_name`), datasets/src/datasets/data_files.py (`sanitize_patterns`, `resolve_pattern`),
 * datasets/src/datasets/load.py (`create_builder_configs_from_metadata_configs`).
 */
export interface CardDataFiles {
  /** The folder the patterns are relative to (`data_dir`), '' for the dataset's root. */
  dataDir: string;
  /** Glob patterns per split name as the card writes them; undefined: the automatic rules under `dataDir`. */
  patterns?: Record<string, string[]>;
}

type Yaml = Record<string, unknown>;

function isRecord(value: unknown): value is Yaml {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseYaml(text: string, where: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    throw new TrainerInputError(`${where}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
}

/** The card's YAML (the block between the leading `---` lines of README.md), with `.huggingface.yaml` over it. */
async function cardData(root: string): Promise<Yaml> {
  const readme = await readText(join(root, 'README.md'));
  let data: Yaml = {};
  const front = readme === undefined ? null : /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(readme);
  // A header that does not list configs is not read: a YAML mistake there changes nothing (as in data_files.py).
  if (front && /^configs:/m.test(front[1] ?? '')) {
    const parsed = parseYaml(front[1] ?? '', 'README.md (the dataset card)');
    if (isRecord(parsed)) data = parsed;
  }
  const standalone = await readText(join(root, '.huggingface.yaml'));
  if (standalone !== undefined) {
    const parsed = parseYaml(standalone, '.huggingface.yaml');
    if (isRecord(parsed)) data = { ...data, ...parsed };
  }
  return data;
}

function strings(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string')) {
    throw new TrainerInputError(`${where}: expected a path or a list of paths, got ${JSON.stringify(value)}`);
  }
  return list;
}

/** `sanitize_patterns`: a path, a list of paths (both train), {split: paths} or [{split, path}]. */
function patternsOf(value: unknown, where: string): Record<string, string[]> {
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([split, v]) => [split, strings(v, `${where}.${split}`)]));
  }
  if (Array.isArray(value) && value.some(isRecord)) {
    const out: Record<string, string[]> = {};
    value.forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry.split !== 'string' || Object.keys(entry).length !== 2) {
        throw new TrainerInputError(`${where}[${i}]: expected {split: <name>, path: <path or list of paths>}`);
      }
      if (out[entry.split]) throw new TrainerInputError(`${where}: the split ${entry.split} is named twice`);
      out[entry.split] = strings(entry.path, `${where}[${i}].path`);
    });
    return out;
  }
  return { train: strings(value, where) };
}

/**
 * The default config's data files, or undefined when the card lists no `configs`. The default config is the only
 * one, the one named `default`, or the one marked `default: true` (`get_default_config_name`).
 */
export async function readCardDataFiles(root: string): Promise<CardDataFiles | undefined> {
  const configs = (await cardData(root)).configs;
  if (configs === undefined || configs === null || (Array.isArray(configs) && configs.length === 0)) return undefined;
  if (!Array.isArray(configs) || !configs.every(isRecord)) {
    throw new TrainerInputError('README.md (the dataset card): configs: expected a list of {config_name, data_files}');
  }
  const defaults = configs.filter((c) => configs.length === 1 || c.config_name === 'default' || c.default === true);
  if (defaults.length !== 1) {
    const names = configs.map((c) => String(c.config_name)).join(', ');
    throw new TrainerInputError(
      `README.md (the dataset card): configs: ${defaults.length === 0 ? 'no default config' : 'several default configs'} ` +
        `among ${names} (expected one named "default" or marked default: true)`,
    );
  }
  const config = defaults[0] as Yaml;
  const where = `README.md (the dataset card): configs[${configs.indexOf(config)}]`;
  const dataDir = typeof config.data_dir === 'string' ? config.data_dir.replace(/^\.?\/+|\/+$/g, '') : '';
  if (config.data_files === undefined || config.data_files === null) return { dataDir };
  return { dataDir, patterns: patternsOf(config.data_files, `${where}.data_files`) };
}

function translateSegment(part: string): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let body = part.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}

/**
 * A glob pattern as a regular expression over `/`-separated relative paths, with fsspec's rules
 * (fsspec/utils.py, `glob_translate`): `*` within one path segment, `**` as a whole segment for any depth.
 */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.replace(/^\.?\//, '').split('/');
  const last = parts.length - 1;
  const out = parts.map((part, i) => {
    if (part === '*') return i < last ? '[^/]+/' : '[^/]+';
    if (part === '**') return i < last ? '(?:.+/)?' : '.*';
    if (part.includes('**')) throw new TrainerInputError(`${pattern}: '**' can only be an entire path component`);
    return translateSegment(part) + (i < last ? '/' : '');
  });
  return new RegExp(`^${out.join('')}$`, 's');
}

// `datasets`' FILES_TO_IGNORE (data_files.py): never data unless a pattern names them exactly.
const FILES_TO_IGNORE = new Set([
  'README.md',
  'config.json',
  'dataset_info.json',
  'dataset_infos.json',
  'dummy_data.zip',
  'dataset_dict.json',
]);

/** A matcher for `patterns` as `resolve_pattern` applies them to paths relative to the card's `data_dir`. */
function matcher(patterns: readonly string[]): (relativePath: string) => boolean {
  const compiled = patterns.map((p) => ({ regex: globToRegExp(p), name: p.split('/').pop() ?? '' }));
  return (relativePath) => {
    const name = relativePath.split('/').pop() ?? '';
    return compiled.some((p) => p.regex.test(relativePath) && (!FILES_TO_IGNORE.has(name) || p.name === name));
  };
}

/**
 * The splits each file feeds by the card: the files its patterns match under `data_dir`, or there the automatic
 * rules (splits.ts) when it names a `data_dir` only. A file can feed two splits when two patterns match it, as in
 * `datasets`; a split other than train, validation and test is left out, as both trainers leave it out.
 */
export function splitsOfPathsByCard(relativePaths: readonly string[], card: CardDataFiles): SplitName[][] {
  const prefix = card.dataDir === '' ? '' : `${card.dataDir}/`;
  const under = relativePaths.map((p) => (p.startsWith(prefix) ? p.slice(prefix.length) : undefined));
  const { patterns } = card;
  if (patterns === undefined) {
    const inside = under.filter((p): p is string => p !== undefined);
    const splits = splitsOfPaths(inside);
    let next = 0;
    return under.map((p) => {
      if (p === undefined) return [];
      const split = splits[next++];
      return split === undefined ? [] : [split];
    });
  }
  const matchers = SPLIT_NAMES.filter((s) => patterns[s] !== undefined).map(
    (split) => [split, matcher(patterns[split] ?? [])] as const,
  );
  return under.map((p) => (p === undefined ? [] : matchers.filter(([, matches]) => matches(p)).map(([s]) => s)));
}
