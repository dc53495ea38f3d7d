/**
 * A Hugging Face job tells its run that it ended. Its command runs inside a small POSIX shell wrapper that, once the
 * command exits (whatever its code), posts to the receiver's `POST /api/runs/<workflowId>/training-ended` with a
 * token for that run alone: HMAC-SHA256 of the workflow id keyed with the webhook secret. The token goes in as a Jobs
 * secret (stored encrypted, echoed back by name only); neither the webhook secret nor the Hub token enters the job's
 * env, command or logs, and the token never enters the run's history (the start activity derives it, and returns only
 * the job's id). The receiver derives the token again and compares in constant time; a job whose notice is lost (the
 * receiver unreachable, the container killed) is still seen by the run's periodic check and the worker's shared one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JobRequest } from './job-request';

export const NOTICE_URL_ENV = 'RETRAIN_NOTICE_URL';
export const NOTICE_TOKEN_SECRET = 'RETRAIN_NOTICE_TOKEN';

/** The receiver's route a job posts to as it exits. */
export function noticePath(workflowId: string): string {
  return `/api/runs/${encodeURIComponent(workflowId)}/training-ended`;
}

/** The run's notice token: HMAC-SHA256(webhook secret, "training-ended\n" + workflow id), base64url. */
export function noticeToken(webhookSecret: string, workflowId: string): string {
  return createHmac('sha256', webhookSecret).update(`training-ended\n${workflowId}`, 'utf8').digest('base64url');
}

/** Whether `presented` is the run's token, compared in constant time (digests of equal length). */
export function noticeTokenMatches(webhookSecret: string, workflowId: string, presented: string): boolean {
  const expected = Buffer.from(noticeToken(webhookSecret, workflowId), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  // Compare fixed-length digests of both, so a wrong length costs the same time as a wrong token.
  const digest = (b: Buffer) => createHmac('sha256', 'compare').update(b).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * The wrapper: runs the job's command ("$@"), then posts the notice with curl, wget or python3 (whichever the image
 * has), three tries at most, quietly: the token is read from the environment, never printed. Exits with the
 * command's code, so the job's stage is the command's.
 */
export const NOTICE_WRAPPER = [
  '"$@"',
  'code=$?',
  'n=0',
  'while [ "$n" -lt 3 ]; do',
  '  n=$((n + 1))',
  '  if command -v curl >/dev/null 2>&1; then',
  '    curl -fsS -m 10 -X POST -H "Authorization: Bearer $RETRAIN_NOTICE_TOKEN" "$RETRAIN_NOTICE_URL" >/dev/null 2>&1 && break',
  '  elif command -v wget >/dev/null 2>&1; then',
  '    wget -q -T 10 -O /dev/null --method=POST --header="Authorization: Bearer $RETRAIN_NOTICE_TOKEN" "$RETRAIN_NOTICE_URL" >/dev/null 2>&1 && break',
  '  elif command -v python3 >/dev/null 2>&1; then',
  `    python3 -c 'import os,urllib.request as u; u.urlopen(u.Request(os.environ["RETRAIN_NOTICE_URL"], data=b"", method="POST", headers={"Authorization": "Bearer " + os.environ["RETRAIN_NOTICE_TOKEN"]}), timeout=10)' >/dev/null 2>&1 && break`,
  '  else',
  '    break',
  '  fi',
  '  sleep 2',
  'done',
  'exit "$code"',
].join('\n');

export interface EndNotice {
  /** The receiver's public URL (PUBLIC_URL). */
  receiverUrl: string;
  webhookSecret: string;
  workflowId: string;
}

/** The job request with its command wrapped to post the end notice, and the notice's URL and token. */
export function withEndNotice(request: JobRequest, notice: EndNotice): JobRequest {
  const url = `${notice.receiverUrl.replace(/\/+$/, '')}${noticePath(notice.workflowId)}`;
  return {
    ...request,
    command: ['sh', '-c', NOTICE_WRAPPER, 'hub-retrain-notice', ...request.command],
    environment: { ...request.environment, [NOTICE_URL_ENV]: url },
    secrets: { ...request.secrets, [NOTICE_TOKEN_SECRET]: noticeToken(notice.webhookSecret, notice.workflowId) },
  };
}
