/**
 * Profiles the receiver under one kind of request: `hub-retrain server` with node --cpu-prof, loaded for a
 * few seconds, stopped, and its profile summarized (self time by package and by function).
 *
 *   tsx bench/profile-receiver.ts [no-pipeline|wrong-secret|malformed|accepted] [seconds] [--no-build]
 *
 * Not part of `npm run bench`: the tool behind the receiver's before/after figures in RESULTS.md.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeProfile } from './lib/cpu-profile';
import { LoadGenerator, jobFor } from './lib/load';
import { benchDataset, receiverConfig, requestFor, type CaseName } from './lib/payloads';
import { installCleanup, stopAll } from './lib/processes';
import { buildProduct, log, startReceiver, startTemporal, WORK } from './lib/stack';

async function main(): Promise<void> {
  installCleanup();
  const [kind = 'no-pipeline', seconds = '5'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!process.argv.includes('--no-build')) await buildProduct();
  const dir = join(WORK, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const temporal = await startTemporal();
  const receiver = await startReceiver({
    temporalAddress: temporal.address,
    config: receiverConfig(50, 'prof'),
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
  });
  const load = LoadGenerator.start();
  try {
    const datasets = Array.from({ length: 50 }, (_, i) => benchDataset(i));
    const job = jobFor(`${receiver.url}/webhook`, requestFor(kind as CaseName, datasets), {
      connections: 32,
      durationS: Number(seconds),
      warmupS: 1,
    });
    const result = await load.run(job);
    log(
      `${kind}: ${result.rps.toFixed(0)} req/s, p99 ${result.latency.p99.toFixed(2)} ms, ${JSON.stringify(result.status)}`,
    );
    await receiver.proc.stop();
  } finally {
    load.stop();
    await stopAll();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile was written');
  const summary = summarizeProfile(join(dir, file), 30);
  const pct = (s: number) => `${(s * 100).toFixed(1).padStart(5)}%`;
  process.stdout.write(`\nprofile ${join(dir, file)}: ${summary.totalMs.toFixed(0)} ms sampled\n\nby package\n`);
  for (const p of summary.packages) process.stdout.write(`  ${pct(p.share)}  ${p.name}\n`);
  process.stdout.write('\nby function (self time)\n');
  for (const f of summary.functions) process.stdout.write(`  ${pct(f.share)}  ${f.name}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
