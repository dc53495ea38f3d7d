/**
 * The checks behind `hub-retrain doctor`. Each says what it found and, when something is wrong, how to fix
 * it. None prints a secret: the token and API key are sent, never shown.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import { DEFAULT_AUTOTRAIN_API_URL } from '../backends/autotrain/autotrain-backend';
import { projectRoot } from '../project-root';
import { trainerOf } from '../backends/local/trainer-choice';
import { trainersCommand } from '../backends/trainer-process';
import { SETUP_COMMAND, transformersTrainer } from '../backends/transformers-trainer';
import type { PipelineSpec } from '../config/config-schema';
import { isLocalDataset } from '../config/config-schema';
import type { Env } from '../config/env';
import { HttpError } from '../http/http-error';
import { findDiscussionWebhooks, HubWebhooks, receiverWebhookUrl } from '../hub/hub-webhooks';
import { resolveWebhookSecret } from '../config/webhook-secret';
import { secretMatches } from '../server/common/verify-secret';
import { requestJson } from '../http/request-json';
import { connectClient, describeConnection, temporalConnectionOptions } from '../temporal/connection-options';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it (failures and warnings). */
  fix?: string;
}

const TIMEOUT_MS = 5000;
const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
const fail = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'fail', detail, fix });

function why(err: unknown): string {
  if (err instanceof HttpError) return `HTTP ${err.status}`;
  return (err as Error)?.message ?? String(err);
}

/** The Hub token: present when a pipeline needs it, accepted by whoami, and allowed to write. */
export async function checkHubToken(env: Env, pipelines: readonly PipelineSpec[]): Promise<CheckResult> {
  const name = 'hub token';
  const needed = pipelines.some((p) => p.backend.type !== 'local' || !isLocalDataset(p) || p.publish);
  if (!env.hfToken) {
    return needed
      ? fail(
          name,
          'HF_TOKEN is not set',
          'create a write token at https://huggingface.co/settings/tokens and set HF_TOKEN',
        )
      : ok(name, 'not set (not needed: local pipelines only)');
  }
  try {
    const { body } = await requestJson<{ name?: string; auth?: { accessToken?: { role?: string } } }>(
      `${env.HF_ENDPOINT}/api/whoami-v2`,
      { token: env.hfToken, timeoutMs: TIMEOUT_MS },
    );
    const role = body.auth?.accessToken?.role;
    if (role === 'read') {
      return fail(
        name,
        `a read-only token for ${body.name}`,
        'hub-retrain posts discussions, starts training and publishes models: use a token with the write role',
      );
    }
    const scope = role === 'fineGrained' ? 'fine-grained (check it may write to your datasets and models)' : role;
    return ok(name, `accepted for ${body.name}${scope ? `, ${scope}` : ''}`);
  } catch (err) {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      return fail(
        name,
        `the Hub rejected HF_TOKEN (${why(err)})`,
        'the token is wrong, expired or revoked: create one at https://huggingface.co/settings/tokens',
      );
    }
    return fail(name, `cannot reach ${env.HF_ENDPOINT} (${why(err)})`, 'check HF_ENDPOINT and the network');
  }
}

/**
 * Each AutoTrain namespace: whether a Hub webhook delivers its discussions (where AutoTrain posts a training's
 * outcome) to the receiver, with the receiver's secret, so a run moves on at once; otherwise its end is noticed
 * by checking. A warning, not a failure: runs work either way.
 */
export async function checkTrainingNotices(env: Env, pipelines: readonly PipelineSpec[]): Promise<CheckResult[]> {
  const byNamespace = new Map<string, string[]>();
  for (const p of pipelines.filter((p) => p.backend.type === 'autotrain')) {
    byNamespace.set(p.target_namespace, [...(byNamespace.get(p.target_namespace) ?? []), p.name]);
  }
  if (byNamespace.size === 0) return [];
  const name = 'training notices';
  const url = env.PUBLIC_URL ? receiverWebhookUrl(env.PUBLIC_URL) : undefined;
  const fix = (pipeline: string) =>
    `npx hub-retrain hub-webhook create ${pipeline} --url <public url> (the receiver's public URL; or set PUBLIC_URL)`;
  let webhooks;
  try {
    webhooks = await new HubWebhooks({ endpoint: env.HF_ENDPOINT, token: env.hfToken }).list();
  } catch (err) {
    return [
      {
        check: name,
        status: 'warn',
        detail: `cannot list the Hub webhooks of HF_TOKEN's user (${why(err)}): whether AutoTrain's outcome reaches runs at once is not known`,
        fix: 'give HF_TOKEN the permission to read webhooks, or check them at https://huggingface.co/settings/webhooks',
      },
    ];
  }
  let secret: string | undefined;
  try {
    secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false).secret;
  } catch {
    secret = undefined;
  }
  return [...byNamespace].map(([namespace, names]): CheckResult => {
    const found = findDiscussionWebhooks(webhooks, namespace, url);
    const where = url ?? 'the receiver (PUBLIC_URL is not set: any URL counts)';
    if (found.length === 0) {
      return {
        check: name,
        status: 'warn',
        detail: `no webhook sends the discussions of ${namespace} to ${where}: the end of an AutoTrain training (${names.join(', ')}) is noticed by checking, every poll_interval_seconds`,
        fix: fix(names[0]!),
      };
    }
    if (secret && !found.some((w) => w.secret && secretMatches(w.secret, secret))) {
      return {
        check: name,
        status: 'warn',
        detail: `the webhook of ${namespace}'s discussions (${found[0]!.id}) does not carry the receiver's webhook secret: its deliveries are refused (403)`,
        fix: `set its secret in https://huggingface.co/settings/webhooks, or delete it (npx hub-retrain hub-webhook delete --id ${found[0]!.id}) and run ${fix(names[0]!)}`,
      };
    }
    return ok(
      name,
      `the discussions of ${namespace} reach ${found[0]!.url ?? where} (${found[0]!.id}): AutoTrain's outcome moves runs on at once`,
    );
  });
}

/** Temporal answers, and the namespace has our search attributes. */
export async function checkTemporal(env: Env): Promise<CheckResult[]> {
  if (!env.TEMPORAL_ADDRESS) {
    return [
      ok('temporal', 'TEMPORAL_ADDRESS is not set: `hub-retrain start` runs an embedded dev server'),
      { check: 'search attributes', status: 'skip', detail: 'registered by the embedded dev server at start' },
    ];
  }
  const options = temporalConnectionOptions(env);
  let connection;
  try {
    connection = await connectClient(options, false, TIMEOUT_MS);
  } catch (err) {
    return [
      fail('temporal', why(err), 'start Temporal (docker compose up) or fix TEMPORAL_ADDRESS and the TLS settings'),
      { check: 'search attributes', status: 'skip', detail: 'Temporal is not reachable' },
    ];
  }
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const info = await connection.withDeadline(Date.now() + TIMEOUT_MS, () => client.workflowService.getSystemInfo({}));
    const results = [ok('temporal', `${describeConnection(options)}, server ${info.serverVersion ?? 'reachable'}`)];
    results.push(await checkSearchAttributes(client, env.TEMPORAL_NAMESPACE));
    return results;
  } finally {
    await connection.close();
  }
}

async function checkSearchAttributes(client: Client, namespace: string): Promise<CheckResult> {
  const name = 'search attributes';
  try {
    const existing = await client.connection.withDeadline(Date.now() + TIMEOUT_MS, () =>
      client.connection.operatorService.listSearchAttributes({ namespace }),
    );
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = SEARCH_ATTRIBUTES.map((a) => a.name).filter((n) => !known.has(n));
    if (missing.length === 0) return ok(name, `${SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')} in ${namespace}`);
    return fail(
      name,
      `missing in namespace ${namespace}: ${missing.join(', ')}`,
      missing
        .map((n) => `temporal operator search-attribute create --namespace ${namespace} --name ${n} --type Keyword`)
        .join('; '),
    );
  } catch (err) {
    return fail(
      name,
      `cannot list them in namespace ${namespace} (${why(err)})`,
      `create the namespace (temporal operator namespace create --namespace ${namespace}); on Temporal Cloud add the attributes in the namespace settings`,
    );
  }
}

/** One check per distinct backend endpoint or trainer command the pipelines use. */
export async function checkBackends(env: Env, pipelines: readonly PipelineSpec[]): Promise<CheckResult[]> {
  const checks = new Map<string, () => Promise<CheckResult>>();
  for (const p of pipelines) {
    const backend = p.backend;
    if (backend.type === 'autotrain') {
      const url = (backend.api_url ?? env.AUTOTRAIN_API_URL ?? DEFAULT_AUTOTRAIN_API_URL).replace(/\/+$/, '');
      checks.set(`autotrain ${url}`, () => checkAutotrain(url, env.hfToken));
    } else if (backend.type === 'hf-jobs') {
      checks.set('hf-jobs', () => checkJobs(env));
    } else if (backend.command) {
      const command = backend.command;
      checks.set(`local ${command.join(' ')}`, async () => checkTrainerCommand(p.name, command));
    } else if (trainerOf(backend) === 'baseline') {
      checks.set('local baseline', async () => checkDefaultTrainers(p.name));
    } else {
      checks.set('local transformers', async () => checkTransformersTrainer(p.name));
    }
    if (p.local_path) checks.set(`dataset ${p.local_path}`, async () => checkFolder(p.name, p.local_path!));
  }
  return Promise.all([...checks.values()].map((run) => run()));
}

async function checkAutotrain(url: string, token: string | undefined): Promise<CheckResult> {
  const name = 'backend autotrain';
  try {
    const { body } = await requestJson<{ version?: string }>(`${url}/api/version`, { token, timeoutMs: TIMEOUT_MS });
    return ok(name, `${url} answers, version ${body.version ?? 'unknown'}`);
  } catch (err) {
    return fail(
      name,
      `${url}/api/version: ${why(err)}`,
      'start your AutoTrain server (`autotrain app`) and set AUTOTRAIN_API_URL or backend.api_url to it',
    );
  }
}

async function checkJobs(env: Env): Promise<CheckResult> {
  const name = 'backend hf-jobs';
  const url = `${env.HF_ENDPOINT}/api/jobs/hardware`;
  try {
    await requestJson(url, { token: env.hfToken, timeoutMs: TIMEOUT_MS });
    return ok(name, `the Jobs API at ${env.HF_ENDPOINT} answers`);
  } catch (err) {
    const auth = err instanceof HttpError && (err.status === 401 || err.status === 403);
    return fail(
      name,
      `${url}: ${why(err)}`,
      auth
        ? 'Jobs need a token with the write role on a PRO account or an organisation with credits'
        : 'check HF_ENDPOINT and the network',
    );
  }
}

/** The default trainers run from their TypeScript sources in a checkout, or compiled in trainers/dist/ in an image. */
function checkDefaultTrainers(pipeline: string): CheckResult {
  const root = projectRoot();
  const runnable = ['trainers/cli/train.ts', 'trainers/dist/cli/train.js'].find((f) => existsSync(join(root, f)));
  if (!runnable) {
    return fail(
      'backend local',
      `pipeline ${pipeline}: the default trainers are not built (no trainers/dist/cli/train.js: npm run build)`,
      'run `npm run build`, or give backend.command in config.json',
    );
  }
  return checkTrainerCommand(pipeline, trainersCommand('train', root));
}

/** The transformers trainer's locked Python environment is installed (the base model is checked per run). */
function checkTransformersTrainer(pipeline: string): CheckResult {
  const { python } = transformersTrainer();
  if (!existsSync(python)) {
    return fail(
      'backend local',
      `pipeline ${pipeline}: the transformers trainer is not installed (no ${python})`,
      `run \`${SETUP_COMMAND}\`, or set backend.trainer to "baseline" for the TypeScript baseline`,
    );
  }
  return ok('backend local', `pipeline ${pipeline}: transformers trainer (${python})`);
}

/** The trainer's program is on PATH or is an executable file; the default trainers are built or runnable. */
export function checkTrainerCommand(pipeline: string, command: readonly string[]): CheckResult {
  const name = 'backend local';
  const [program, ...args] = command;
  const found = program ? findProgram(program) : undefined;
  if (!found) {
    return fail(
      name,
      `pipeline ${pipeline}: trainer command "${program}" not found on PATH`,
      'install it, or fix backend.command in config.json (argv, no shell: ["python3", "train.py"])',
    );
  }
  const script = args[0];
  if (script && /\.(js|ts|py)$/.test(script) && !existsSync(resolve(script))) {
    return fail(name, `pipeline ${pipeline}: ${script} does not exist`, 'fix the path in backend.command');
  }
  return ok(name, `pipeline ${pipeline}: ${[found, ...args].join(' ')}`);
}

function findProgram(program: string): string | undefined {
  const candidates = isAbsolute(program) || program.includes('/') ? [resolve(program)] : pathCandidates(program);
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

function pathCandidates(program: string): string[] {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, program));
}

function checkFolder(pipeline: string, folder: string): CheckResult {
  return existsSync(folder) && statSync(folder).isDirectory()
    ? ok('dataset folder', `pipeline ${pipeline}: ${folder}`)
    : fail('dataset folder', `pipeline ${pipeline}: ${folder} is not a folder`, 'fix input_dataset ("file:<path>")');
}
