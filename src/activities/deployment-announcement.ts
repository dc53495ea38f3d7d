/** What a failure notice says about a deploy that failed: what was tried, and whether the earlier model is back. */
import type { Deployment } from '../workflows/definitions';

export function deploymentLines(d: Deployment): string[] {
  const model = d.repository
    ? `\`${d.repository}\` at \`${d.modelRevision ?? 'main'}\``
    : `revision \`${d.revision.slice(0, 7)}\``;
  const lines = [`**Deploy:** ${model} to the ${d.target} was not put in service (health: ${d.health}).`];
  if (d.unchanged) {
    lines.push('Nothing was changed: the model in service still serves.');
  } else if (d.rolledBack && d.previous) {
    const back = d.previous.modelRevision
      ? `\`${d.previous.modelRevision}\``
      : `\`${d.previous.revision.slice(0, 7)}\``;
    lines.push(`**Rolled back** to the model that served before: ${back}. It serves again.`);
  } else if (d.rollbackError) {
    lines.push(`**Could not roll back:** ${d.rollbackError}. Check the ${d.target} by hand.`);
  } else if (d.previous === undefined) {
    lines.push('Nothing served before it, so there was nothing to roll back to.');
  }
  return lines;
}

/** What a roll-back notice is written from (an Announcement of kind `rolled-back` has it). */
export interface RolledBack {
  pipeline: { name: string };
  revision: string;
  deployment?: Deployment;
}

/** A roll-back by hand: which model was put back, by whom, and whether it serves. */
export function rollbackLines(a: RolledBack, datasetUrl: string): string[] {
  const d = a.deployment;
  const sha = a.revision.slice(0, 7);
  const lines = [
    `**${d?.by ?? 'Someone'}** rolled the **${a.pipeline.name}** pipeline back to its model of revision [\`${sha}\`](${datasetUrl}/commit/${a.revision}).`,
  ];
  if (d?.health === 'healthy')
    lines.push(`It serves again on the ${d.target}${d.modelRevision ? ` at \`${d.modelRevision}\`` : ''}.`);
  else if (d)
    lines.push(`It could not be put in service: ${d.error ?? 'unknown error'}.`, ...deploymentLines(d).slice(1));
  return lines;
}
