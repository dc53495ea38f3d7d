/**
 * `npm run bench`: every benchmark in turn, each in its own process, then bench/RESULTS.md.
 *
 *   npm run bench                 the full suite (about 50 minutes on 2 cores); writes bench/results/ and bench/RESULTS.md
 *   npm run bench -- --quick      about 12 minutes, to smoke-test the suite; writes bench/.work/quick/
 *   npm run bench -- --only receiver,storm     some of them (then the report from whatever results exist)
 *
 * Run the full suite on a quiet machine: it records the load average and the other work it finds running.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describeMachine } from './lib/machine';
import { isQuick, readResults, writeResults } from './lib/results';
import { buildProduct, buildBefore, log, ROOT } from './lib/stack';
import type { RunInfo } from './report/shared';

const BENCHES = [
  'receiver',
  'limit',
  'storm',
  'delivery-to-start',
  'waiting-scale',
  'workflow-memory',
  'replay',
  'trainers',
  'same-rows',
  'serving-swap',
  'data-checks',
  'trainer-scale',
];

async function main(): Promise<void> {
  const quick = isQuick();
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg === -1 ? BENCHES : process.argv[onlyArg + 1]!.split(',');
  const machine = describeMachine();
  log(`load average ${machine.loadavg.join(' ')}; other work: ${machine.others.length} processes`);
  if (!quick && machine.loadavg[0]! > 1.5) log('warning: the machine is busy; the figures will show it');
  await buildProduct();
  buildBefore();
  const previous = readResults<RunInfo>('run', quick);
  const durations: Record<string, number> = only.length < BENCHES.length ? { ...previous?.durations } : {};
  for (const name of only) {
    if (!BENCHES.includes(name)) throw new Error(`no benchmark "${name}" (have: ${BENCHES.join(', ')})`);
    const t0 = performance.now();
    log(`--- ${name}`);
    execFileSync(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, `${name}.bench.ts`), '--no-build', ...(quick ? ['--quick'] : [])],
      { cwd: ROOT, stdio: 'inherit' },
    );
    durations[name] = (performance.now() - t0) / 1000;
  }
  const info: RunInfo = {
    machine: only.length < BENCHES.length && previous ? previous.machine : machine,
    end: describeMachine(),
    quick,
    durations,
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
  };
  writeResults('run', info, quick);
  execFileSync(
    process.execPath,
    ['--require', 'tsx/cjs', join(__dirname, 'report.ts'), ...(quick ? ['--quick'] : [])],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
