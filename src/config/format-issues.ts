import type { z } from 'zod';
import { closestKey, knownKeysAt } from './suggest-key';

/** A path like `pipelines[1].backend.type`, the way a user would point at a key in their JSON. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

export interface PathIssue {
  path: string;
  message: string;
}

/**
 * Flattens zod issues into "key path: what was expected" lines. Unknown keys are reported at their own
 * path, with the known key that is one slip away when `schema` (the one that produced the error) is given.
 * Received values are never echoed: for environment variables they may be secrets.
 */
export function flattenIssues(error: z.ZodError, schema?: z.ZodType): PathIssue[] {
  const out: PathIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? knownKeysAt(schema, issue.path) : [];
      for (const key of issue.keys) {
        const meant = closestKey(key, known);
        out.push({
          path: formatPath([...issue.path, key]),
          message: meant ? `unknown key; did you mean "${meant}"?` : 'unknown key',
        });
      }
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest, not "invalid input".
      const best = [...issue.errors].sort((a, b) => b.length - a.length)[0] ?? [];
      for (const sub of best) out.push({ path: formatPath([...issue.path, ...sub.path]), message: sub.message });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}
