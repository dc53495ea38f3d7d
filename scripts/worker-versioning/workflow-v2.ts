/** Build v2 of the trial's workflow (scripts/worker-versioning/try.ts): waits for `go`, then says which build ran it. */
import { released } from './gate';

export async function versioned(): Promise<string> {
  await released();
  return 'v2';
}
