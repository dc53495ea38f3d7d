/**
 * `hub-retrain hub-webhook create|list|delete`: set up the Hub webhooks a pipeline needs without clicking
 * through the Hub's settings: the one that sends its dataset's updates (domain "repo") and, for an AutoTrain
 * pipeline, the one that sends its target namespace's discussions (domain "discussion"), where AutoTrain posts
 * the outcome of a training, so the run moves on at once (src/server/webhook/training-notice.ts). Create is idempotent:
 * a webhook that already does the job to the same URL is reported, not duplicated. Secrets are never printed.
 */
import type { Command } from 'commander';
import type { PipelineSpec } from '../config/config-schema';
import { loadEnv, type Env } from '../config/env';
import { ConfigError, loadConfigFile } from '../config/load-config';
import { resolveWebhookSecret } from '../config/webhook-secret';
import { HttpError } from '../http/http-error';
import { HubClient } from '../hub/hub-client';
import {
  DISCUSSION_DOMAIN,
  DISCUSSION_DOMAIN_ALIAS,
  findDiscussionWebhooks,
  findWebhookFor,
  HubWebhooks,
  receiverWebhookUrl,
  type HubWebhook,
} from '../hub/hub-webhooks';
import { secretMatches } from '../server/common/verify-secret';
import { CliError } from './cli-error';
import { output, table } from './format';

interface Context {
  env: Env;
  pipelines: PipelineSpec[];
  hooks: HubWebhooks;
  /** The receiver's webhook secret, when one is configured. */
  secret?: string;
}

/** A webhook as the CLI shows it: never its secret, only whether it is the configured one. */
export interface WebhookView {
  id: string;
  url: string | null;
  watched: string[];
  domains: string[];
  disabled: boolean;
  secretMatches: boolean | null;
  pipelines: string[];
}

function context(): Context {
  const env = loadEnv();
  const pipelines = loadConfigFile(env.RETRAIN_CONFIG);
  let secret: string | undefined;
  try {
    secret = resolveWebhookSecret(env.WEBHOOK_SECRET, env.RETRAIN_STATE_DIR, false).secret;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  return { env, pipelines, hooks: new HubWebhooks({ endpoint: env.HF_ENDPOINT, token: env.hfToken }), secret };
}

function pipelineNamed(ctx: Context, name: string): PipelineSpec {
  const spec = ctx.pipelines.find((p) => p.name === name);
  if (!spec) {
    throw new CliError(
      `no pipeline "${name}" in ${ctx.env.RETRAIN_CONFIG} (pipelines: ${ctx.pipelines.map((p) => p.name).join(', ')})`,
    );
  }
  return spec;
}

/** The receiver's public URL with `/webhook` appended unless it is already the webhook route. */
export function webhookUrl(publicUrl: string | undefined): string {
  if (!publicUrl) throw new CliError("give the receiver's public URL with --url <public url> (or set PUBLIC_URL)");
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new CliError(`--url must be an http(s) URL, got "${publicUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('--url must be an http(s) URL');
  return receiverWebhookUrl(url.toString());
}

function view(ctx: Context, w: HubWebhook): WebhookView {
  return {
    id: w.id,
    url: w.url ?? null,
    watched: w.watched.map((item) => `${item.type}:${item.name}`),
    domains: w.domains,
    disabled: w.disabled,
    secretMatches: ctx.secret && w.secret ? secretMatches(w.secret, ctx.secret) : null,
    pipelines: ctx.pipelines.filter((p) => servesPipeline(w, p)).map((p) => p.name),
  };
}

/** It sends the pipeline's dataset updates, or (AutoTrain) its target namespace's discussions. */
function servesPipeline(w: HubWebhook, p: PipelineSpec): boolean {
  if (w.watched.some((item) => item.type === 'dataset' && item.name === p.input_dataset)) return true;
  return (
    p.backend.type === 'autotrain' && findDiscussionWebhooks([{ ...w, disabled: false }], p.target_namespace).length > 0
  );
}

function warnings(v: WebhookView): string[] {
  const out: string[] = [];
  if (v.disabled) out.push('it is disabled on the Hub: enable it in the webhook settings');
  if (v.watched.some((item) => item.startsWith('dataset:')) && !v.domains.includes('repo'))
    out.push('it does not watch the "repo" domain, so pushes do not reach the receiver');
  if (v.secretMatches === false)
    out.push("its secret is not the receiver's webhook secret: deliveries will be refused (403)");
  if (v.secretMatches === null)
    out.push('it has no secret, or no webhook secret is configured here: deliveries will be refused');
  return out;
}

function formatWebhooks(shown: WebhookView[]): string {
  if (shown.length === 0) return 'no Hub webhooks';
  return table(
    ['ID', 'URL', 'WATCHES', 'DOMAINS', 'STATE', 'PIPELINES'],
    shown.map((v) => [
      v.id,
      v.url ?? '-',
      v.watched.join(','),
      v.domains.join(','),
      v.disabled ? 'disabled' : v.secretMatches === false ? 'enabled, other secret' : 'enabled',
      v.pipelines.join(',') || '-',
    ]),
  );
}

/** The Hub's refusals, as something to act on. */
async function hub<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
      throw new CliError(
        `the Hub refused HF_TOKEN (${err.status}: ${err.detail}); managing webhooks needs a token with write access`,
      );
    }
    throw err;
  }
}

export function registerHubWebhookCommands(program: Command): void {
  const group = program
    .command('hub-webhook')
    .description("manage the Hub webhook that sends a pipeline's dataset updates to the receiver (needs HF_TOKEN)");

  group
    .command('create <pipeline>')
    .description(
      'create the webhook of the dataset (domain "repo") and, for an AutoTrain pipeline, of its target namespace\'s ' +
        'discussions (domain "discussion"), each with the configured secret, unless one exists',
    )
    .option('--url <public url>', "the receiver's public URL; /webhook is appended (default: $PUBLIC_URL)")
    .option(
      '--no-discussions',
      "AutoTrain: leave out the namespace's discussions (the end is then noticed by checking)",
    )
    .option('--json', 'print JSON instead of text')
    .action(async (pipeline: string, options: { url?: string; json?: boolean; discussions: boolean }) => {
      const ctx = context();
      const spec = pipelineNamed(ctx, pipeline);
      const url = webhookUrl(options.url ?? ctx.env.PUBLIC_URL);
      if (!ctx.secret) {
        throw new CliError(
          `no webhook secret: set WEBHOOK_SECRET (or run npm start once, which keeps one in ${ctx.env.RETRAIN_STATE_DIR}/webhook-secret)`,
        );
      }
      const secret = ctx.secret;
      const all = await hub(() => ctx.hooks.list());
      const dataset = await ensureWebhook(ctx, findWebhookFor(all, spec.input_dataset, url)[0], () =>
        ctx.hooks.create({ url, watched: [{ type: 'dataset', name: spec.input_dataset }], domains: ['repo'], secret }),
      );
      const namespace = spec.target_namespace;
      const discussions =
        spec.backend.type === 'autotrain' && options.discussions
          ? await ensureWebhook(ctx, findDiscussionWebhooks(all, namespace, url)[0], async () => {
              const watched = [{ type: await namespaceKind(ctx, namespace), name: namespace }];
              const create = (domain: typeof DISCUSSION_DOMAIN | typeof DISCUSSION_DOMAIN_ALIAS) =>
                ctx.hooks.create({ url, watched, domains: [domain], secret });
              return create(DISCUSSION_DOMAIN).catch((err: unknown) => {
                if (err instanceof HttpError && err.status === 400) return create(DISCUSSION_DOMAIN_ALIAS);
                throw err;
              });
            })
          : undefined;
      output(options.json, { ...dataset, ...(discussions ? { discussions } : {}) }, () =>
        [
          describeEnsured(dataset, `${spec.input_dataset} (domain repo) -> ${url}`),
          ...(discussions
            ? [describeEnsured(discussions, `the discussions of ${namespace} (domain discussion) -> ${url}`)]
            : spec.backend.type === 'autotrain'
              ? [
                  `no webhook for the discussions of ${namespace}: the end of a training is noticed by checking (every poll_interval_seconds)`,
                ]
              : []),
        ].join('\n'),
      );
    });

  group
    .command('list [pipeline]')
    .description("list the token's user's webhooks (only those of the pipeline's dataset, when one is named)")
    .option('--json', 'print JSON instead of text')
    .action(async (pipeline: string | undefined, options: { json?: boolean }) => {
      const ctx = context();
      const name = pipeline === undefined ? undefined : pipelineNamed(ctx, pipeline).name;
      const all = (await hub(() => ctx.hooks.list())).map((w) => view(ctx, w));
      const shown = name === undefined ? all : all.filter((v) => v.pipelines.includes(name));
      output(options.json, shown, formatWebhooks);
    });

  group
    .command('delete [pipeline]')
    .description(
      "delete the pipeline's webhooks for a URL (its namespace's discussions only when no other AutoTrain pipeline " +
        'trains there), or one webhook by --id',
    )
    .option('--url <public url>', "the receiver's public URL (default: $PUBLIC_URL)")
    .option('--id <id>', 'delete this webhook, whatever it watches')
    .option('--json', 'print JSON instead of text')
    .action(async (pipeline: string | undefined, options: { url?: string; id?: string; json?: boolean }) => {
      const ctx = context();
      let ids: string[];
      let what: string;
      let kept: string | undefined;
      if (options.id) {
        ids = [options.id];
        what = `webhook ${options.id}`;
      } else {
        if (pipeline === undefined) throw new CliError('name a pipeline (with --url) or give --id <webhook id>');
        const spec = pipelineNamed(ctx, pipeline);
        const url = webhookUrl(options.url ?? ctx.env.PUBLIC_URL);
        const all = await hub(() => ctx.hooks.list());
        ids = findWebhookFor(all, spec.input_dataset, url).map((w) => w.id);
        what = `the Hub webhook for ${spec.input_dataset} -> ${url}`;
        if (spec.backend.type === 'autotrain') {
          const namespace = spec.target_namespace;
          const discussions = findDiscussionWebhooks(all, namespace, url).map((w) => w.id);
          const others = ctx.pipelines.filter(
            (p) => p !== spec && p.backend.type === 'autotrain' && p.target_namespace === namespace,
          );
          if (others.length === 0) ids.push(...discussions);
          else if (discussions.length > 0)
            kept = `kept the webhook of ${namespace}'s discussions: ${others.map((p) => p.name).join(', ')} train there too`;
        }
      }
      for (const id of ids) {
        await hub(() => ctx.hooks.delete(id)).catch((err: unknown) => {
          if (err instanceof HttpError && err.status === 404)
            throw new CliError(`no webhook ${id} for this token's user`);
          throw err;
        });
      }
      output(options.json, { deleted: ids, ...(kept ? { kept } : {}) }, () =>
        [
          ids.length === 0 ? `no ${what.replace(/^the /, '')}; nothing deleted` : `deleted ${what} (${ids.join(', ')})`,
          ...(kept ? [kept] : []),
        ].join('\n'),
      );
    });
}

interface Ensured {
  created: boolean;
  webhook: WebhookView;
  warnings: string[];
}

/** The webhook that exists (with what is wrong with it), or the one `create` makes. */
async function ensureWebhook(
  ctx: Context,
  existing: HubWebhook | undefined,
  create: () => Promise<HubWebhook>,
): Promise<Ensured> {
  if (existing) {
    const v = view(ctx, existing);
    return { created: false, webhook: v, warnings: warnings(v) };
  }
  return { created: true, webhook: view(ctx, await hub(create)), warnings: [] };
}

function describeEnsured(ensured: Ensured, what: string): string {
  const id = ensured.webhook.id;
  if (ensured.created) return `created Hub webhook ${id}: ${what}, with the receiver's webhook secret`;
  return [
    `a Hub webhook for ${what} exists already (${id}); nothing created`,
    ...ensured.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

/**
 * A webhook watches a user or an organisation by kind: the token's own user, or one of its organisations. AutoTrain
 * creates its Spaces under the token's user or organisation, so another namespace cannot be trained in either.
 */
async function namespaceKind(ctx: Context, namespace: string): Promise<'user' | 'org'> {
  const me = await hub(() => new HubClient({ endpoint: ctx.env.HF_ENDPOINT, token: ctx.env.hfToken }).whoami());
  if (me.name === namespace) return 'user';
  if (me.orgs.includes(namespace)) return 'org';
  throw new CliError(
    `HF_TOKEN belongs to ${me.name}, who is not a member of ${namespace}: AutoTrain cannot train there with this token`,
  );
}
