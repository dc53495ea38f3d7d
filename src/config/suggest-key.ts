/**
 * "Did you mean": for an unknown key, the known key at the same place that is one slip away (a typo, a
 * swapped letter, `-` for `_`, another case). The known keys come from the schema itself, so they never
 * drift from what the schema accepts.
 */
import type { z } from 'zod';

/** The parts of a zod 4 schema's definition this walk reads. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every key an object at `path` may have (for a union: any option's). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const walk = (node: z.ZodType, rest: readonly PropertyKey[], depth: number): void => {
    if (depth > 50) return;
    const def = defOf(node);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (inner) return walk(inner, rest, depth + 1);
    if (def.type === 'union') {
      for (const option of def.options ?? []) walk(option, rest, depth + 1);
      return;
    }
    if (rest.length === 0) {
      if (def.type === 'object') for (const key of Object.keys(def.shape ?? {})) keys.add(key);
      return;
    }
    const [head, ...tail] = rest;
    if (def.type === 'object' && typeof head === 'string') {
      const child = def.shape?.[head];
      if (child) walk(child, tail, depth + 1);
    } else if (def.type === 'array' && typeof head === 'number' && def.element) {
      walk(def.element, tail, depth + 1);
    }
  };
  walk(schema, path, 0);
  return [...keys];
}

/** The one known key closest to `key`, if it is close enough to be what was meant. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const scored = known
    .map((candidate) => ({ candidate, distance: editDistance(norm(key), norm(candidate)) }))
    .sort((a, b) => a.distance - b.distance);
  const best = scored[0];
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.min(key.length, best.candidate.length) / 4));
  // Two candidates equally close: no guess is better than a wrong one.
  if (best.distance > allowed || scored[1]?.distance === best.distance) return undefined;
  return best.candidate;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}
