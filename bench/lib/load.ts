/** The parent's handle on the load-generator process (bench/lib/load-generator.ts). */
import { join } from 'node:path';
import { ChildRunner } from './child';
import type { LoadJob, LoadResult } from './load-generator';
import { DATASET_PLACEHOLDER, SHA_PLACEHOLDER, type RequestSpec } from './payloads';

export type { LoadJob, LoadResult };

export class LoadGenerator extends ChildRunner<LoadJob, LoadResult> {
  static start(): LoadGenerator {
    return new LoadGenerator(join(__dirname, 'load-generator.ts'));
  }
}

/** A job for `url` from a request spec (see payloads.ts). */
export function jobFor(
  url: string,
  spec: RequestSpec,
  options: Omit<LoadJob, 'url' | 'headers' | 'body' | 'template'>,
): LoadJob {
  return {
    url,
    headers: spec.headers,
    body: spec.body,
    template: spec.template
      ? { ...spec.template, datasetPlaceholder: DATASET_PLACEHOLDER, shaPlaceholder: SHA_PLACEHOLDER }
      : undefined,
    ...options,
  };
}
