/**
 * POST /api/runs/:workflowId/training-ended: a Hugging Face job's own end notice (src/backends/hf-jobs/end-notice.ts).
 * The job presents its run's token (`Authorization: Bearer`), derived from the webhook secret and the workflow id and
 * compared in constant time; the receiver then signals the run (trainingEnded, which carries nothing), as the local
 * supervisor does, and the run checks its job at once. Answers: 401 no token, 403 a wrong one, 400 not a run's id,
 * 409 the run is not running (nothing changes), 202 once the run holds the notice, 503 + Retry-After when Temporal
 * could not take it.
 */
import type { Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import { noticeTokenMatches } from '../../backends/hf-jobs/end-notice';
import type { Drain } from '../common/drain';
import type { TrainingNotices } from './training-notice';

export interface JobNoticeRouteDeps {
  webhookSecret: string;
  notices: TrainingNotices;
  logger: Logger;
  drain?: Drain;
  retryAfterSeconds?: number;
}

const RUN_ID = /^retrain:[A-Za-z0-9._-]{1,63}:[A-Za-z0-9]{1,128}$/;
const DEFAULT_RETRY_AFTER_SECONDS = 10;

export function addJobNoticeRoute(app: Express, deps: JobNoticeRouteDeps): void {
  app.post('/api/runs/:workflowId/training-ended', (req: Request, res: Response) => {
    void answer(deps, req, res).catch((err: unknown) => {
      deps.logger.error({ err: { message: (err as Error).message } }, 'training notice failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal error' });
    });
  });
}

async function answer(deps: JobNoticeRouteDeps, req: Request, res: Response): Promise<void> {
  const retryAfter = String(deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  if (deps.drain?.draining)
    return void res.set('Retry-After', retryAfter).status(503).json({ error: 'shutting down; retry later' });
  const workflowId = String(req.params.workflowId);
  const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (!token) return void res.status(401).json({ error: "missing Authorization: Bearer <the run's notice token>" });
  if (!RUN_ID.test(workflowId)) {
    return void res.status(400).json({ error: 'expected a run id of the form retrain:<pipeline>:<revision>' });
  }
  if (!noticeTokenMatches(deps.webhookSecret, workflowId, token)) {
    return void res.status(403).json({ error: 'wrong notice token for this run' });
  }
  try {
    const outcome = await deps.notices.tellRun(workflowId);
    if (outcome === 'not-running') {
      return void res.status(409).json({ error: `the run ${workflowId} is not running: nothing to tell` });
    }
    deps.logger.info({ event: 'training-ended', workflowId, source: 'hf-jobs' }, 'training notice recorded');
    res.status(202).json({ processed: true, notice: 'training-ended', workflowIds: [workflowId] });
  } catch (err) {
    deps.logger.error({ workflowId, err: { message: (err as Error).message } }, 'could not record the notice');
    res.set('Retry-After', retryAfter).status(503).json({ error: 'Temporal could not record the notice; retry later' });
  }
}
