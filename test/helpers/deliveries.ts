/** Hub webhook deliveries for tests: the Hub's own fixture, pointed at a dataset and a new head of main. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'dataset-content-main.json'), 'utf8');

interface MainPush {
  repo: { name: string; headSha?: string };
  updatedRefs?: Array<{ ref: string; newSha?: string | null }>;
}

/** `dataset-content-main.json` with `repo.name` = `dataset` and main moved to `sha`. */
export function mainPushDelivery(dataset: string, sha: string): MainPush {
  const payload = JSON.parse(FIXTURE) as MainPush;
  payload.repo.name = dataset;
  payload.repo.headSha = sha;
  for (const ref of payload.updatedRefs ?? []) if (ref.ref === 'refs/heads/main') ref.newSha = sha;
  return payload;
}
