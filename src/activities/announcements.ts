import type { Links } from '../backends/types';
import type { PipelineSpec } from '../config/config-schema';
import { formatPValue } from '../registry/p-value';
import type { PromotionDecision } from '../registry/promotion';
import type { RunBudget, RunCost, Deployment } from '../workflows/definitions';
import { budgetLine, costLine } from '../budget/cost-lines';
import { deploymentLines, rollbackLines } from './deployment-announcement';
import type { DataCheckResult } from '../datasets/data-report';
import { dataChecksSection } from './data-check-notes';

export type AnnouncementKind = 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'approval-request' | 'rolled-back';

/** What the workflow knows when it announces; plain JSON, no secrets. */
export interface AnnouncementFacts {
  pipeline: PipelineSpec;
  revision: string;
  workflowId: string;
  jobId?: string;
  links: Links;
  metrics: Record<string, number>;
  error?: string;
  stage: string;
  /** The promotion gate's verdict, once the model was evaluated. */
  promotion?: PromotionDecision;
  /** What the run cost, once its training ended. */
  cost?: RunCost;
  /** The run trained without a price for its machine: why (its cost is unknown). */
  priceUnknown?: string;
  /** Its budget check (the figures of an over-budget approval request). */
  budget?: RunBudget;
  /** The deploy of the promoted model, when the pipeline has one (README, "Serving"). */
  deployment?: Deployment;
  /** The data checks that found something (warn or fail). */
  dataChecks?: DataCheckResult[];
}

export interface Announcement extends AnnouncementFacts {
  kind: AnnouncementKind;
  /** Set by the notify activity when the job still runs after its stop (what to say about it). */
  leftRunning?: string;
}

export interface AnnouncementContext {
  /** HF_ENDPOINT, for links to the dataset commit and the model. */
  hubUrl: string;
  /** Where the Temporal Web UI is, when known. */
  temporalUiUrl?: string;
  namespace: string;
  /** The receiver's public URL, for approve links, when known. */
  publicUrl?: string;
}

const HEADLINE: Record<AnnouncementKind, (name: string, sha: string) => string> = {
  succeeded: (name, sha) => `✅ [hub-retrain] ${name} retrained on ${sha}`,
  failed: (name, sha) => `❌ [hub-retrain] ${name} failed to retrain on ${sha}`,
  cancelled: (name, sha) => `⏹️ [hub-retrain] ${name} retraining on ${sha} was cancelled`,
  rejected: (name, sha) => `🚫 [hub-retrain] ${name} was not retrained on ${sha} (not approved)`,
  'approval-request': (name, sha) => `⏸️ [hub-retrain] approve retraining ${name} on ${sha}?`,
  'rolled-back': (name, sha) => `↩️ [hub-retrain] ${name} rolled back to ${sha}`,
};

/**
 * The discussion for one pipeline, revision and outcome. The title is unique per (pipeline, revision,
 * kind): the Hub client uses it to avoid posting the same announcement twice.
 */
export function renderAnnouncement(a: Announcement, ctx: AnnouncementContext): { title: string; description: string } {
  const sha = a.revision.slice(0, 7);
  const title = HEADLINE[a.kind](a.pipeline.name, sha);
  const datasetUrl = `${ctx.hubUrl}/datasets/${a.pipeline.input_dataset}`;
  const lines: string[] = [];
  const add = (line = '') => lines.push(line);

  switch (a.kind) {
    case 'succeeded':
      add(
        `The **${a.pipeline.name}** pipeline retrained \`${a.pipeline.input_model}\` on this dataset at revision [\`${sha}\`](${datasetUrl}/commit/${a.revision}).`,
      );
      break;
    case 'failed':
      add(
        `The **${a.pipeline.name}** pipeline could not retrain on revision [\`${sha}\`](${datasetUrl}/commit/${a.revision}).`,
      );
      add();
      add(`**What failed:** ${a.error ?? 'unknown error'} (stage \`${a.stage}\`).`);
      if (a.deployment) deploymentLines(a.deployment).forEach((line) => add(line));
      else
        add(
          a.leftRunning ? `**Not stopped:** ${a.leftRunning}.` : 'Anything it had started was stopped and cleaned up.',
        );
      break;
    case 'cancelled':
      add(
        `Retraining **${a.pipeline.name}** on revision [\`${sha}\`](${datasetUrl}/commit/${a.revision}) was cancelled (usually because a newer revision arrived). ${a.leftRunning ? `**Its training job was not stopped:** ${a.leftRunning}.` : 'Its training job was stopped.'}`,
      );
      break;
    case 'rejected':
      add(
        `Retraining **${a.pipeline.name}** on revision [\`${sha}\`](${datasetUrl}/commit/${a.revision}) was not approved: ${a.error ?? 'rejected'}.`,
      );
      break;
    case 'rolled-back':
      rollbackLines(a, datasetUrl).forEach((line) => add(line));
      break;
    case 'approval-request':
      add(
        `The **${a.pipeline.name}** pipeline is ready to retrain \`${a.pipeline.input_model}\` on revision [\`${sha}\`](${datasetUrl}/commit/${a.revision}) with the \`${a.pipeline.backend.type}\` backend (task \`${a.pipeline.task}\`). It waits for a person to approve.`,
      );
      add();
      add('**To approve** (or reject), any of:');
      add(`- \`npx hub-retrain approve ${a.workflowId}\` (or \`reject\`)`);
      add(
        `- \`POST ${ctx.publicUrl ?? '<receiver>'}/api/runs/${encodeURIComponent(a.workflowId)}/approve\` with \`Authorization: Bearer $ADMIN_TOKEN\``,
      );
      add('- the Temporal Web UI: open the run, **Send a Signal**, `approve` or `reject`');
      if (a.budget?.decision === 'over-budget') {
        add();
        add(`**Over budget:** ${budgetLine(a.budget)}`);
      }
      break;
  }
  add();
  add('| | |');
  add('| --- | --- |');
  add(`| Pipeline | \`${a.pipeline.name}\` |`);
  add(`| Dataset revision | \`${a.revision}\` |`);
  add(`| Base model | [\`${a.pipeline.input_model}\`](${ctx.hubUrl}/${a.pipeline.input_model}) |`);
  add(`| Backend | \`${a.pipeline.backend.type}\` |`);
  if (a.jobId) add(`| Training job | ${a.links.job ? `[\`${a.jobId}\`](${a.links.job})` : `\`${a.jobId}\``} |`);
  if (a.kind === 'succeeded' && a.links.model) add(`| Model | ${a.links.model} |`);
  if (a.kind === 'succeeded' && a.promotion) {
    add(`| Promotion | ${a.promotion.reason} |`);
    const measured = measuredOn(a.promotion);
    if (measured) add(`| Compared on | ${measured} |`);
  }
  if (a.kind === 'succeeded' && a.deployment?.health === 'healthy') {
    add(
      `| In service | ${a.deployment.target}${a.deployment.modelRevision ? ` at \`${a.deployment.modelRevision}\`` : ''} |`,
    );
  }
  if (a.cost) add(`| Cost | ${costLine(a.cost)} |`);
  else if (a.priceUnknown) add(`| Cost | price unknown: ${a.priceUnknown} |`);
  if (a.budget?.stopped) add(`| Budget | ${a.budget.stopped} |`);
  const run = ctx.temporalUiUrl
    ? `[\`${a.workflowId}\`](${ctx.temporalUiUrl}/namespaces/${ctx.namespace}/workflows/${encodeURIComponent(a.workflowId)})`
    : `\`${a.workflowId}\``;
  add(`| Run (Temporal) | ${run} |`);
  const metrics = Object.entries(a.metrics);
  if (metrics.length > 0) {
    add();
    add('**Metrics**');
    add();
    add('| metric | value |');
    add('| --- | --- |');
    for (const [k, v] of metrics) add(`| ${k} | ${Number.isInteger(v) ? v : v.toFixed(4)} |`);
  }
  lines.push(...dataChecksSection(a.dataChecks));
  if (a.kind === 'failed' || a.kind === 'cancelled') {
    add();
    add(
      `Where to look: the training job's page${a.links.job ? ` (${a.links.job})` : ''} and the run's history in the Temporal Web UI.`,
    );
  }
  add();
  add('<sub>Posted by hub-retrain.</sub>');
  return { title, description: lines.join('\n') };
}

/** Both models' numbers, the rows, whether they were the same rows, the interval and p (a table cell). */
function measuredOn(p: PromotionDecision): string | undefined {
  if (p.rows === undefined && p.sameData === undefined) return undefined;
  const value = (n: number | undefined) => (n === undefined ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(4));
  const parts = [
    `this model ${value(p.candidate)}`,
    `in service ${value(p.current)}${p.sameData === false ? ' (recorded, on other data)' : ''}`,
  ];
  if (p.rows !== undefined)
    parts.push(`${p.rows}${p.split ? ` ${p.split}` : ''} rows${p.sameData ? ', the same for both' : ''}`);
  if (p.interval) parts.push(`difference 95% interval ${value(p.interval[0])} to ${value(p.interval[1])}`);
  if (p.pValue !== undefined) parts.push(`p = ${formatPValue(p.pValue)}`);
  return parts.join('; ');
}
