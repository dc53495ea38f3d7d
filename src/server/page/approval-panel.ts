/**
 * A run waiting for approval, as the status page shows it: what would be trained (revision, dataset, base
 * model), who asked, since when and until when, with Approve and Reject buttons and an optional comment. The
 * buttons are plain <button>s the page's script sends to the API's approve / reject routes (no inline
 * handlers); without ADMIN_TOKEN on the receiver they are disabled and say why.
 */
import type { PipelineSpec } from '../../config/config-schema';
import type { DeliveryView, RunDetailView } from '../api/api-schemas';
import { renderDataChecks, type DataCheckView } from './data-checks-panel';
import { short, text, time } from './html';

export interface ApprovalRequest {
  workflowId: string;
  revision: string;
  dataset: string;
  baseModel: string;
  /** When the run started waiting (from its progress query; unknown when no worker answers). */
  requestedAt?: string;
  /** When the wait ends on its own (the run is then rejected as timed out). */
  deadline?: string;
  delivery?: DeliveryView;
  /** The data checks whose findings asked for this approval, with what they found. */
  dataChecks?: DataCheckView[];
}

/** The request of a run at stage awaiting-approval; `spec` gives the base model and the approval timeout. */
export function approvalRequest(run: RunDetailView, spec: PipelineSpec | undefined): ApprovalRequest {
  const requestedAt = run.approval?.requested ?? run.timings['awaiting-approval'];
  const deadline =
    requestedAt && spec ? new Date(Date.parse(requestedAt) + spec.approval_timeout * 1000).toISOString() : undefined;
  return {
    workflowId: run.workflowId,
    revision: run.revision ?? '',
    dataset: run.dataset ?? spec?.input_dataset ?? '',
    baseModel: spec?.input_model ?? '',
    requestedAt,
    deadline,
    delivery: run.delivery,
    ...(run.approval?.checks && run.dataChecks
      ? { dataChecks: run.dataChecks.filter((c) => run.approval?.checks?.includes(c.check)) }
      : {}),
  };
}

function askedBy(d: DeliveryView | undefined): string {
  if (!d) return 'not recorded';
  const moved =
    d.oldSha || d.newSha ? `: main moved ${short(d.oldSha ?? undefined)} → ${short(d.newSha ?? undefined)}` : '';
  const who = {
    webhook: `a Hub webhook${d.webhookId ? ` (${d.webhookId})` : ''}${moved}`,
    api: 'a trigger through the API',
    cli: 'the CLI',
    watch: 'a change in the dataset folder',
  }[d.source];
  return `${who}, received ${time(d.receivedAt)}`;
}

/** "3 d 4 h", "25 min": how long until `iso`, from `now`. */
export function untilText(iso: string, now: number): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  if (minutes <= 0) return 'now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function renderApproval(req: ApprovalRequest, writeApi: boolean, now: number): string {
  const id = text(req.workflowId);
  const disabled = writeApi ? '' : ` disabled aria-describedby="write-off-${id}"`;
  const button = (action: 'approve' | 'reject', label: string): string =>
    `<button type="button" id="${action}-${id}" class="${action}" data-decide="${action}" data-workflow-id="${id}"${disabled}>${label}</button>`;
  return `<section class="approval" data-workflow-id="${id}" aria-labelledby="approval-${id}">
<h3 id="approval-${id}">Waiting for approval: <code>${text(short(req.revision))}</code></h3>
<dl>
<dt>Revision</dt><dd><code>${text(req.revision)}</code></dd>
<dt>Dataset</dt><dd>${text(req.dataset)}</dd>
<dt>Base model</dt><dd>${text(req.baseModel)}</dd>
<dt>Asked by</dt><dd>${text(askedBy(req.delivery))}</dd>
<dt>Waiting since</dt><dd>${req.requestedAt ? text(time(req.requestedAt)) : 'unknown (no worker answered)'}</dd>
<dt>Deadline</dt><dd>${req.deadline ? `${text(time(req.deadline))} (in ${text(untilText(req.deadline, now))}; then the run ends unapproved)` : 'unknown'}</dd>
</dl>
${req.dataChecks?.length ? `<p>The data checks ask a person to look first:</p>\n${renderDataChecks(req.dataChecks)}` : ''}
<label for="comment-${id}">Comment (optional; recorded with the decision in the run's history)</label>
<textarea id="comment-${id}" class="comment" maxlength="2000" rows="2"></textarea>
<p class="buttons">${button('approve', 'Approve: train it')} ${button('reject', 'Reject: do not train')}</p>
${writeApi ? '' : `<p class="note" id="write-off-${id}">The write API is disabled: set ADMIN_TOKEN on the receiver to approve or reject here (or use the CLI with it).</p>`}
</section>`;
}
