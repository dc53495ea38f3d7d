import { setTimeout as sleep } from 'node:timers/promises';
import type { RunDetailView } from '../server/api-schemas';
import { CliError } from './cli-error';
import { endLive, printLive, watchLine } from './format';
import type { ReceiverApi } from './receiver-api';

/**
 * Polls a run through the receiver's API until it ends, printing its stage and progress bar (redrawn in
 * place on a terminal, a line per change otherwise). Used by `watch` and `demo`.
 */
export async function watchRun(
  receiver: ReceiverApi,
  workflowId: string,
  options: { interval: number; quiet?: boolean },
): Promise<RunDetailView> {
  const live = !options.quiet;
  const tty = live && process.stdout.isTTY === true;
  let last = '';
  let failures = 0;
  for (;;) {
    let run: RunDetailView;
    try {
      run = await receiver.run(workflowId);
      failures = 0;
    } catch (err) {
      // A receiver restart or a Temporal hiccup should not end a long watch; an unknown run should.
      if (!(err instanceof CliError) || /unknown run/.test(err.message) || ++failures > 5) throw err;
      await sleep(options.interval * 1000);
      continue;
    }
    const line = watchLine(run);
    if (live && line !== last) printLive(line, tty);
    last = line;
    if (run.status !== 'running') {
      endLive(tty);
      return run;
    }
    await sleep(options.interval * 1000);
  }
}
