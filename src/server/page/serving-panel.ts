/**
 * "In service" on the status page: which model serves a pipeline with `deploy`, since when, who put it there, and a
 * Roll back button (the page's script sends it to POST /api/pipelines/{name}/rollback with the admin token;
 * without ADMIN_TOKEN on the receiver it is disabled and says why).
 */
import type { ServingFile } from '../../registry/serving';
import { short, text, time } from './html';

const REASONS: Record<string, string> = {
  deploy: 'deployed after its promotion',
  rollback: 'put back when a newer model failed its checks',
  'manual-rollback': 'rolled back by hand',
};

export function renderServing(
  pipeline: string,
  target: string,
  serving: ServingFile | undefined,
  writeApi: boolean,
): string {
  const id = text(pipeline);
  if (!serving) {
    return `<p class="serving" data-serving="${id}">In service (${text(target)}): nothing deployed by hub-retrain yet.</p>`;
  }
  const { current } = serving;
  const model = current.repository
    ? `<code>${text(current.repository)}@${text(short(current.modelRevision))}</code> (revision <code>${text(short(current.revision))}</code>)`
    : `revision <code>${text(short(current.revision))}</code>`;
  const previous = serving.history.find((e) => e.revision !== current.revision);
  const disabled = writeApi ? '' : ` disabled aria-describedby="rollback-off-${id}"`;
  const button = previous
    ? `<button type="button" class="rollback" data-rollback="${id}"${disabled}>Roll back to ${text(short(previous.revision))}</button>` +
      (writeApi
        ? ''
        : ` <span class="note" id="rollback-off-${id}">(the write API is disabled: set ADMIN_TOKEN)</span>`)
    : '';
  return `<p class="serving" data-serving="${id}">In service (${text(target)}): ${model} since ${text(time(current.since))}, ${text(REASONS[current.reason] ?? current.reason)} by <code>${text(current.by)}</code>. ${button}</p>`;
}
