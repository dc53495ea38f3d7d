/** What both builds of the trial's workflow share (try.ts): the `go` signal, and waiting for it. */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const go = defineSignal('go');

/** Resolves once the run has been sent `go`. */
export async function released(): Promise<void> {
  let sent = false;
  setHandler(go, () => void (sent = true));
  await condition(() => sent);
}
