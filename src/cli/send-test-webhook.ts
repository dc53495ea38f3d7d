/**
 * `send-test-webhook <pipeline>`: what the Hub would send for a push to the pipeline's dataset, for its
 * current head, signed with the receiver's webhook secret and delivered to the receiver, so a set-up can be
 * tested without pushing to the Hub. The head of a Hub dataset is resolved through the Hub API; a local
 * folder's (`file:`) is its content hash, as the pipeline computes it.
 */
import { LOCAL_DATASET_PREFIX, type PipelineSpec } from '../config/config-schema';
import { loadEnv, type Env } from '../config/env';
import { loadConfigFile } from '../config/load-config';
import { resolveWebhookSecret } from '../config/webhook-secret';
import { folderRevision } from '../datasets/local-folder';
import { HttpError } from '../http/http-error';
import { requestJson } from '../http/request-json';
import { HubClient, type DatasetAt } from '../hub/hub-client';
import { CliError } from './cli-error';
import { explain } from './receiver-api';

export const TEST_WEBHOOK_ID = 'hub-retrain-test-webhook';

export interface TestWebhookResult {
  accepted: boolean;
  status: number;
  dataset: string;
  revision: string;
  url: string;
  answer: unknown;
  summary: string;
}

/** A version-3 Hub payload: `repo.content` update of main on a dataset (spec/hf-webhooks.md). */
export function testWebhookPayload(
  hubUrl: string,
  dataset: string,
  at: DatasetAt,
  webhookId = TEST_WEBHOOK_ID,
): Record<string, unknown> {
  return {
    event: { action: 'update', scope: 'repo.content' },
    repo: {
      type: 'dataset',
      name: dataset,
      id: at.id,
      private: at.private,
      url: dataset.startsWith(LOCAL_DATASET_PREFIX)
        ? { web: dataset }
        : { web: `${hubUrl}/datasets/${dataset}`, api: `${hubUrl}/api/datasets/${dataset}` },
      headSha: at.sha,
    },
    // The previous head is not known here; the Hub sends it, the receiver does not need it.
    updatedRefs: [{ ref: 'refs/heads/main', oldSha: null, newSha: at.sha }],
    webhook: { id: webhookId, version: 3 },
  };
}

export async function sendTestWebhook(pipelineName: string, receiverUrl: string): Promise<TestWebhookResult> {
  const env = loadEnv();
  const pipelines = loadConfigFile(env.RETRAIN_CONFIG);
  const spec = pipelines.find((p) => p.name === pipelineName);
  if (!spec) {
    throw new CliError(
      `no pipeline "${pipelineName}" in ${env.RETRAIN_CONFIG} (pipelines: ${pipelines.map((p) => p.name).join(', ')})`,
    );
  }
  return deliverTestWebhook(env, spec, receiverUrl, TEST_WEBHOOK_ID);
}

/** The dataset's head as a webhook payload carries it: the Hub's, or a local folder's content hash. */
export async function datasetHead(env: Env, spec: PipelineSpec): Promise<DatasetAt> {
  if (spec.local_path) {
    try {
      return { sha: await folderRevision(spec.local_path), id: 'local-folder', private: true };
    } catch (err) {
      throw new CliError(`could not read the dataset folder of ${spec.name}: ${(err as Error).message}`);
    }
  }
  const hub = new HubClient({ endpoint: env.HF_ENDPOINT, token: env.hfToken });
  try {
    return await hub.datasetAt(spec.input_dataset, 'main');
  } catch (err) {
    throw new CliError(
      `could not resolve the head of ${spec.input_dataset} on ${env.HF_ENDPOINT}: ${(err as Error).message}`,
    );
  }
}

/** Delivers a signed version-3 payload for the pipeline's dataset at its head; `webhookId` names the sender. */
export async function deliverTestWebhook(
  env: Env,
  spec: PipelineSpec,
  receiverUrl: string,
  webhookId: string,
): Promise<TestWebhookResult> {
  const secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false).secret;
  const at = await datasetHead(env, spec);
  const url = `${receiverUrl}/webhook`;
  let res: { status: number; body: unknown };
  try {
    res = await requestJson<unknown>(url, {
      method: 'POST',
      body: testWebhookPayload(env.HF_ENDPOINT, spec.input_dataset, at, webhookId),
      headers: { 'X-Webhook-Secret': secret },
      accept: [200],
      timeoutMs: 15_000,
    });
  } catch (err) {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      throw new CliError(
        `the receiver refused the delivery: ${err.detail} (is the webhook secret, WEBHOOK_SECRET or ` +
          `${env.RETRAIN_STATE_DIR}/webhook-secret, the same as the receiver's?)`,
      );
    }
    throw explain(err, { url: receiverUrl });
  }
  const body = res.body as { processed?: boolean; pipelines?: string[]; workflowIds?: string[]; reason?: string };
  const accepted = res.status === 202 && body.processed === true;
  const head = `${spec.input_dataset}@${at.sha.slice(0, 7)}`;
  const summary = accepted
    ? `delivered a test webhook for ${head} to ${url}: ${res.status}, recorded for ${(body.pipelines ?? []).join(', ')} ` +
      `(${(body.workflowIds ?? []).join(', ')}). A revision that was trained already does not train again.`
    : `delivered a test webhook for ${head} to ${url}, but the receiver did not act on it: ${body.reason ?? res.status} ` +
      '(does it run with the same config.json?)';
  return {
    accepted,
    status: res.status,
    dataset: spec.input_dataset,
    revision: at.sha,
    url,
    answer: res.body,
    summary,
  };
}
