/** What the fake Jobs API accepts as a create request (spec/hf-jobs.md), and the hardware it knows. */

/** Flavors and their hourly price in USD (docs/hub/jobs-pricing.md at the time of writing). */
export const HARDWARE: Record<string, number> = {
  'cpu-basic': 0.01,
  'cpu-upgrade': 0.03,
  't4-small': 0.4,
  't4-medium': 0.6,
  l4x1: 0.8,
  l4x4: 3.8,
  l40sx1: 1.8,
  'a10g-small': 1.0,
  'a10g-large': 1.5,
  'a10g-largex2': 3.0,
  'a10g-largex4': 5.0,
  'a100-large': 2.5,
  h200: 5.0,
};

export interface CreateBody {
  dockerImage?: string;
  spaceId?: string;
  command?: string[];
  arguments?: string[];
  environment?: Record<string, string>;
  secrets?: Record<string, string>;
  flavor?: string;
  timeoutSeconds?: number;
  labels?: Record<string, string>;
  volumes?: unknown[];
}

/**
 * Label keys and values (huggingface_hub `hf_api.py`, `update_job_labels` / `update_scheduled_job_labels`
 * docstrings): "max 100 characters and contain only alphanumeric characters, dots, dashes, and underscores".
 * `_jobs_api.py`'s `_sanitize_job_name` replaces `/` for the same reason. The service refuses others.
 */
export const LABEL_KEY = /^[A-Za-z0-9._-]{1,100}$/;
export const LABEL_VALUE = /^[A-Za-z0-9._-]{0,100}$/;

const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringRecord = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/** The reason the real service would refuse the body, or undefined when it would run it. */
export function validateCreate(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'expected a JSON object';
  const body = raw as Record<string, unknown>;
  const known = new Set([
    'dockerImage',
    'spaceId',
    'command',
    'arguments',
    'environment',
    'secrets',
    'flavor',
    'timeoutSeconds',
    'labels',
    'volumes',
    'arch',
    'attempts',
  ]);
  const unknown = Object.keys(body).find((k) => !known.has(k));
  if (unknown) return `unknown field ${unknown}`;
  if ((body.dockerImage === undefined) === (body.spaceId === undefined))
    return 'exactly one of dockerImage or spaceId is required';
  if (body.dockerImage !== undefined && (typeof body.dockerImage !== 'string' || body.dockerImage === ''))
    return 'dockerImage must be a non-empty string';
  if (body.command !== undefined && !isStringArray(body.command)) return 'command must be an array of strings';
  if (body.arguments !== undefined && !isStringArray(body.arguments)) return 'arguments must be an array of strings';
  for (const key of ['environment', 'secrets', 'labels'] as const) {
    if (body[key] !== undefined && !isStringRecord(body[key])) return `${key} must map names to strings`;
  }
  const labels = (body.labels ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key))
      return `invalid label key ${JSON.stringify(key)}: at most 100 letters, digits, ".", "-", "_"`;
    if (!LABEL_VALUE.test(value))
      return `invalid value for label ${key}: ${JSON.stringify(value)}: at most 100 letters, digits, ".", "-", "_"`;
  }
  if (body.flavor !== undefined && (typeof body.flavor !== 'string' || !(body.flavor in HARDWARE)))
    return `unknown flavor ${JSON.stringify(body.flavor)}`;
  const timeout = body.timeoutSeconds;
  if (timeout !== undefined && timeout !== null && (!Number.isInteger(timeout) || (timeout as number) <= 0))
    return 'timeoutSeconds must be a positive integer';
  return undefined;
}

/** The stages a list may filter by: huggingface_hub's JobStage (`_jobs_api.py`), which it sends upper-cased. */
export const LIST_STAGES = new Set(['SCHEDULING', 'RUNNING', 'UPDATING', 'COMPLETED', 'CANCELED', 'ERROR', 'DELETED']);

/**
 * The reason the real service would refuse a list's filters, or undefined. huggingface_hub's `list_jobs` sends
 * `?stage=<STAGE>` (upper-cased) and `?label=<key>=<value>` per label, each pair under the label rule above. What the
 * service answers for a filter outside it is not documented; assumed, like a label it refuses on create, a 400.
 */
export function validateListFilters(query: { stage?: unknown; label?: unknown }): string | undefined {
  for (const stage of ([] as unknown[]).concat(query.stage ?? [])) {
    if (typeof stage !== 'string' || !LIST_STAGES.has(stage)) return `invalid stage filter ${JSON.stringify(stage)}`;
  }
  for (const label of ([] as unknown[]).concat(query.label ?? [])) {
    const text = typeof label === 'string' ? label : '';
    const at = text.indexOf('=');
    if (at === -1 || !LABEL_KEY.test(text.slice(0, at)) || !LABEL_VALUE.test(text.slice(at + 1))) {
      return `invalid label filter ${JSON.stringify(label)}: expected key=value, at most 100 letters, digits, ".", "-", "_" each`;
    }
  }
  return undefined;
}
