/** Build v1 of the trial's workflow (scripts/worker-versioning/try.ts): waits for `go`, then says which build ran it. */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const go = defineSignal('go');

export async function versioned(): Promise<string> {
  let released = false;
  setHandler(go, () => void (released = true));
  await condition(() => released);
  return 'v1';
}
