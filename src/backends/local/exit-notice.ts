/**
 * The supervisor tells the run waiting for its trainer that the trainer exited: a trainingEnded signal to the run's
 * workflow, so the run checks at once instead of at its next periodic check. The supervisor runs outside the
 * worker, so it connects to Temporal itself: the address and namespace the worker used (in launch.json), TLS and
 * the API key from its own environment (the worker's TEMPORAL_* variables, src/config/temporal-env.ts), as the
 * worker reads them. The signal carries nothing: no payload to encode, nothing secret in the run's history.
 *
 * When Temporal cannot be reached it tries again, less and less often, for `giveUpMs`; whatever happens, the run's
 * periodic check (a safety net) finds exit.json. Every attempt is written to supervisor.log, without secrets.
 */
import { hostname } from 'node:os';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { temporalEnvShape } from '../../config/temporal-env';
import { connectionFailure, temporalConnectionOptions } from '../../temporal/connection-options';
import { trainingEndedSignal } from '../../workflows/definitions';
import type { ExitNoticeTarget } from './run-files';

/** Long enough to outlast a restart of Temporal; by then the run's periodic check has looked too. */
export const DEFAULT_GIVE_UP_MS = 10 * 60_000;
const CONNECT_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export type NoticeLog = (line: string) => void;

/** true once the run holds the notice; false when it could not be told (or no longer exists). */
export async function tellRun(
  target: ExitNoticeTarget,
  log: NoticeLog,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const parsed = z.object(temporalEnvShape).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    log(`cannot tell the run: ${String(issue?.path[0])}: ${issue?.message}`);
    return false;
  }
  const options = temporalConnectionOptions(parsed.data, { address: target.address });
  const giveUpAt = Date.now() + (target.giveUpMs ?? DEFAULT_GIVE_UP_MS);
  for (let attempt = 1, wait = FIRST_RETRY_MS; ; attempt++, wait = Math.min(wait * 2, MAX_RETRY_MS)) {
    let connection: Connection | undefined;
    try {
      const left = Math.max(1_000, giveUpAt - Date.now());
      connection = await Connection.connect({ ...options, connectTimeout: Math.min(CONNECT_TIMEOUT_MS, left) });
      const client = new Client({
        connection,
        namespace: target.namespace,
        identity: `hub-retrain supervisor ${process.pid}@${hostname()}`,
      });
      await connection.withDeadline(Date.now() + CALL_TIMEOUT_MS, () =>
        client.workflow.getHandle(target.workflowId).signal(trainingEndedSignal),
      );
      log(`told the run ${target.workflowId} that the trainer exited`);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        log(`the run ${target.workflowId} no longer runs: nobody to tell`);
        return false;
      }
      const reason = connectionFailure(options, err).message;
      if (Date.now() + wait > giveUpAt) {
        log(`could not tell the run (attempt ${attempt}, giving up; its periodic check will see the exit): ${reason}`);
        return false;
      }
      log(`could not tell the run (attempt ${attempt}, again in ${wait / 1000}s): ${reason}`);
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
