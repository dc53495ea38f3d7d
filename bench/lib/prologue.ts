/** What every benchmark does first. */
import { installCleanup } from './processes';
import { conditions, isQuick } from './results';
import { buildProduct, log } from './stack';

/**
 * Clean-up of its processes on exit, the quick or full settings, the product built (unless `--no-build`),
 * and the conditions it starts in, logged.
 */
export async function startBench<S>(
  name: string,
  full: S,
  quickSettings: S,
): Promise<{ quick: boolean; settings: S; start: ReturnType<typeof conditions> }> {
  installCleanup();
  const quick = isQuick();
  if (!process.argv.includes('--no-build')) await buildProduct();
  const start = conditions();
  log(`${name} bench (${quick ? 'quick' : 'full'}), load average ${start.loadavg.join(' ')}`);
  return { quick, settings: quick ? quickSettings : full, start };
}
