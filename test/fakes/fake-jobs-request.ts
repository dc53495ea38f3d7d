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
  if (body.flavor !== undefined && (typeof body.flavor !== 'string' || !(body.flavor in HARDWARE)))
    return `unknown flavor ${JSON.stringify(body.flavor)}`;
  const timeout = body.timeoutSeconds;
  if (timeout !== undefined && timeout !== null && (!Number.isInteger(timeout) || (timeout as number) <= 0))
    return 'timeoutSeconds must be a positive integer';
  return undefined;
}
