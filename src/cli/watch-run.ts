import { setTimeout as sleep } from 'node:timers/promises';
import type { RunDetailView } from '../server/api/api-schemas';
import { CliError } from './cli-error';
import { endLive, escapeControl, passedStageLine, print, printLive, watchLine } from './format';
import { dataCheckLines } from './format-data-checks';
import type { ReceiverApi } from './receiver-api';

/**
 * Polls a run through the receiver's API until it ends, printing its stage and progress bar (redrawn in
 * place on a terminal, a line per change otherwise), and a line for every stage it passed, even one that
 * began and ended between two looks (from the run's timings). Used by `watch` and `demo`.
 */
export async function watchRun(
  receiver: ReceiverApi,
  workflowId: string,
  options: { interval: number; quiet?: boolean },
): Promise<RunDetailView> {
  const live = !options.quiet;
  const tty = live && process.stdout.isTTY === true;
  let last = '';
  let lastStage: string | undefined;
  const seen = new Set<string>();
  let checksShown = false;
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
    if (live) {
      const stage = run.stage ?? run.status;
      if (last !== '' && stage !== lastStage) endLive(tty); // keep the finished stage's line
      // A stage name is the receiver's value: escaped whole, so it cannot start a line of its own.
      for (const passed of stagesPassed(run, seen)) print(passedStageLine(escapeControl(passed)));
      // The data report once, as the run leaves checking-data: what the checks found, before the training.
      if (!checksShown && run.stage !== 'checking-data' && (run.dataChecks || run.dataChecksSkipped)) {
        checksShown = true;
        endLive(tty);
        for (const checkLine of dataCheckLines(run)) print(checkLine);
        last = '';
      }
      if (line !== last) printLive(line, tty);
      lastStage = stage;
    }
    seen.add(run.stage ?? run.status);
    last = line;
    if (run.status !== 'running') {
      endLive(tty);
      return run;
    }
    await sleep(options.interval * 1000);
  }
}

/** Stages the run entered that were not seen yet and are not its current one, in the order it entered them. */
function stagesPassed(run: RunDetailView, seen: Set<string>): string[] {
  const passed = Object.entries(run.timings)
    .filter(([stage]) => stage !== run.stage && !seen.has(stage))
    .sort(([, a], [, b]) => a.localeCompare(b))
    .map(([stage]) => stage);
  for (const stage of passed) seen.add(stage);
  return passed;
}
