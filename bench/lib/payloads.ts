/**
 * The four kinds of request the receiver benchmarks send, in the Hub's version-3 format (the shape of
 * shared/fixtures/webhooks/dataset-content-main.json), and the receiver configuration they are aimed at.
 */
import { randomBytes } from 'node:crypto';
import { SECRET } from './stack';

export type CaseName = 'wrong-secret' | 'no-pipeline' | 'malformed' | 'accepted';
export const CASES: CaseName[] = ['wrong-secret', 'no-pipeline', 'malformed', 'accepted'];

export const CASE_LABELS: Record<CaseName, string> = {
  'wrong-secret': 'wrong secret (403)',
  'no-pipeline': 'event for no pipeline (200)',
  malformed: 'malformed payload (400/422)',
  accepted: 'accepted event (202/200)',
};

export const sha = (): string => randomBytes(20).toString('hex');

/** A content update of `dataset`'s main branch. */
export function contentUpdate(
  dataset: string,
  newSha: string,
  oldSha = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
): string {
  return JSON.stringify({
    event: { action: 'update', scope: 'repo.content' },
    repo: {
      type: 'dataset',
      name: dataset,
      id: '6630f1c2a5b4e3d2c1b0a912',
      private: false,
      url: { web: `https://huggingface.co/datasets/${dataset}`, api: `https://huggingface.co/api/datasets/${dataset}` },
      headSha: newSha,
      owner: { id: '65d4c3b2a1f0e9d8c7b6a5f4' },
    },
    updatedRefs: [{ ref: 'refs/heads/main', oldSha, newSha }],
    webhook: { id: '6651a0b9c8d7e6f5a4b3c2d1', version: 3 },
  });
}

/** Valid JSON that is not a version-3 Hub payload: no scope, no repo type, version 2. */
export const MALFORMED = JSON.stringify({
  event: { action: 'update' },
  repo: { name: 'bench/ds-0', private: false },
  webhook: { id: '6651a0b9c8d7e6f5a4b3c2d1', version: 2 },
});

export const DATASET_PLACEHOLDER = '__DATASET__';
export const SHA_PLACEHOLDER = 'f'.repeat(40);

/** The accepted event's body with placeholders the load generator fills per request (dataset, fresh sha). */
export const ACCEPTED_TEMPLATE = contentUpdate(DATASET_PLACEHOLDER, SHA_PLACEHOLDER);

export const benchDataset = (i: number): string => `bench/ds-${i}`;
export const UNWATCHED = 'bench/unwatched';

/** Our receiver's config: `count` pipelines, one per dataset bench/ds-<i>, with the product's defaults. */
export function receiverConfig(count: number, tag = 'bench', extra: Record<string, unknown> = {}): unknown {
  return {
    pipelines: Array.from({ length: count }, (_, i) => ({
      name: `${tag}-${i}`,
      target_namespace: 'bench',
      input_dataset: benchDataset(i),
      input_model: 'bench/base-model',
      autotrain_project_prefix: `${tag}-${i}`,
      ...extra,
    })),
  };
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

export interface RequestSpec {
  headers: Record<string, string>;
  body?: string;
  /** Accepted events: the body template and the datasets to rotate over. */
  template?: { body: string; datasets: string[] };
}

/** What to send for a case. `datasets`: the datasets the stack under test watches. */
export function requestFor(kind: CaseName, datasets: string[]): RequestSpec {
  const auth = { ...JSON_HEADERS, 'x-webhook-secret': SECRET };
  switch (kind) {
    case 'wrong-secret':
      return {
        headers: { ...JSON_HEADERS, 'x-webhook-secret': 'not-the-secret-0123456789' },
        body: contentUpdate(datasets[0]!, sha()),
      };
    case 'no-pipeline':
      return { headers: auth, body: contentUpdate(UNWATCHED, sha()) };
    case 'malformed':
      return { headers: auth, body: MALFORMED };
    case 'accepted':
      return { headers: auth, template: { body: ACCEPTED_TEMPLATE, datasets } };
  }
}

/** The status each stack must answer for each case (anything else is counted as an error). */
export function expectedStatus(kind: CaseName, stack: 'ours' | 'peer'): number {
  switch (kind) {
    case 'wrong-secret':
      return 403;
    case 'no-pipeline':
      return 200;
    case 'malformed':
      return stack === 'ours' ? 400 : 422;
    case 'accepted':
      return stack === 'ours' ? 202 : 200;
  }
}
