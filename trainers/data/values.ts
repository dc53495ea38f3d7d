import { TrainerInputError } from '../core/errors';

/**
 * A cell turned into a class name, or undefined for an unlabelled row: empty, null, or the integer -1
 * (the Hub's convention for hidden test labels). Integers become their `ClassLabel` name when known.
 */
export function labelOf(value: unknown, names: readonly string[] | undefined, where: () => string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const label = value.trim();
    return label === '' ? undefined : label;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (Number(value) === -1) return undefined;
    const name = names && Number.isInteger(Number(value)) ? names[Number(value)] : undefined;
    return name ?? String(value);
  }
  if (typeof value === 'boolean') return String(value);
  throw new TrainerInputError(
    `${where()}: the label is ${Array.isArray(value) ? 'a list' : 'not a single value'}; ` +
      'these trainers do single-label classification (name another column with RETRAIN_PARAMS.label_column)',
  );
}

/** A cell as text, or undefined when it holds none. Lists of strings (pre-split tokens) are joined. */
export function textOf(value: unknown, where: () => string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' ');
  throw new TrainerInputError(`${where()}: expected text, found ${describe(value)}`);
}

export function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : `a ${typeof value}`;
}
