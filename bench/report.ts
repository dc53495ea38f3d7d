/**
 * Writes bench/RESULTS.md and bench/README-section.md from the JSON the benchmarks wrote: each benchmark's section is
 * in bench/report/, named after its script (bench/<name>.bench.ts -> bench/report/<name>.ts); this file reads the
 * results, puts the sections in order, and adds the targets, bench/notes.md and the README's section.
 *
 *   tsx bench/report.ts [--quick]     (quick: from bench/.work/quick/, into bench/.work/quick/RESULTS.md)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DataChecksResults } from './data-checks.bench';
import type { DeliveryResults } from './delivery-to-start.bench';
import type { JobsEndNoticeResults } from './jobs-end-notice.bench';
import type { LimitResults } from './limit.bench';
import { markdownTable, verdict } from './lib/markdown';
import type { CaseName } from './lib/payloads';
import { isQuick, readResults, resultsDir } from './lib/results';
import { BENCH } from './lib/stack';
import type { ReceiverResults } from './receiver.bench';
import type { ReplayResults } from './replay.bench';
import { dataChecksSection } from './report/data-checks';
import { deliveryToStartSection } from './report/delivery-to-start';
import { jobsEndNoticeSection } from './report/jobs-end-notice';
import { limitSection } from './report/limit';
import { machineSection } from './report/machine';
import { receiverSection } from './report/receiver';
import { replaySection } from './report/replay';
import { sameRowsSection } from './report/same-rows';
import { servingSection } from './report/serving-swap';
import type { Headline, RunInfo, Target } from './report/shared';
import { stormSection } from './report/storm';
import { trainerScaleSection } from './report/trainer-scale';
import { trainersSection } from './report/trainers';
import { scaleSection } from './report/waiting-scale';
import { workflowMemorySection } from './report/workflow-memory';
import type { SameRowsResults } from './same-rows.bench';
import type { ServingSwapResults } from './serving-swap.bench';
import type { StormResults } from './storm.bench';
import type { TrainerScaleResults } from './trainer-scale.bench';
import type { TrainersResults } from './trainers.bench';
import type { ScaleResults } from './waiting-scale.bench';
import type { WorkflowMemoryResults } from './workflow-memory.bench';

export function buildReport(quick: boolean, headline: Headline = { peerRatios: [] }): string {
  const read = <T>(name: string) => readResults<T>(name, quick);
  const info = read<RunInfo>('run');
  const receiver = read<ReceiverResults>('receiver');
  const targets: Target[] = [];
  const head = [
    '# hub-retrain benchmarks: results',
    '',
    `Written by \`${info?.command ?? 'npm run bench'}\` (bench/run.ts) on ${info?.machine.date.slice(0, 10) ?? 'an unknown date'}` +
      `${quick ? ' in **quick mode** (smoke test: one short run of each, numbers not comparable)' : ''}. ` +
      'Do not edit: run the suite again. Raw figures are in `bench/results/*.json`; how each is measured is in the ' +
      'header comment of its script in `bench/`.',
    '',
  ];
  // The sections in order; each pushes its targets and fills in its part of the headline.
  const sections = [
    ...machineSection(info, receiver),
    ...receiverSection(receiver, quick, targets, headline),
    ...limitSection(read<LimitResults>('limit'), targets, headline),
    ...stormSection(read<StormResults>('storm'), targets, headline),
    ...deliveryToStartSection(read<DeliveryResults>('delivery-to-start'), targets, headline),
    ...scaleSection(read<ScaleResults>('waiting-scale'), targets, headline),
    ...workflowMemorySection(read<WorkflowMemoryResults>('workflow-memory'), headline),
    ...replaySection(read<ReplayResults>('replay')),
    ...trainersSection(read<TrainersResults>('trainers'), headline),
    ...sameRowsSection(read<SameRowsResults>('same-rows')),
    ...servingSection(read<ServingSwapResults>('serving-swap')),
    ...dataChecksSection(read<DataChecksResults>('data-checks'), headline),
    ...jobsEndNoticeSection(read<JobsEndNoticeResults>('jobs-end-notice'), targets),
    ...trainerScaleSection(read<TrainerScaleResults>('trainer-scale'), targets),
  ];

  // ---------------------------------------------------------------- targets
  const summary = [
    '## Targets',
    '',
    markdownTable(
      ['target', 'goal', 'measured (median, min–max)', 'met'],
      targets.map((t) => [t.name, t.goal, t.measured, verdict(t.met)]),
      ['l', 'l', 'l', 'l'],
    ),
    '',
  ];
  const missed = targets.filter((t) => t.met === false);
  if (missed.length) {
    summary.push('### Missed: why, and the next step', '');
    for (const t of missed) summary.push(`- **${t.name}** (${t.measured}): ${t.whyMissed ?? ''}`);
    summary.push('');
  }
  headline.date = info?.machine.date.slice(0, 10);
  headline.load = info
    ? `${info.machine.loadavg[0]} at the start, ${info.end?.loadavg[0] ?? 'n/a'} at the end`
    : undefined;
  const notesFile = join(BENCH, 'notes.md');
  const notes = existsSync(notesFile) ? { markdown: readFileSync(notesFile, 'utf8').trim() } : undefined;
  // The targets and the notes come first, after the title.
  return [...head, ...summary, ...(notes ? [notes.markdown, ''] : []), ...sections].join('\n');
}

/** The README's "Performance" section, quoting the results (bench/README-section.md; the lead merges it). */
export function readmeSection(h: Headline): string {
  const rows = h.peerRatios.map(
    (r) =>
      `| ${r.label} | ${r.fastapi ?? 'n/a'} | ${r.whs ?? 'n/a'} | ${r.oursP99 ?? 'n/a'} ms vs ${r.fastapiP99 ?? 'n/a'} ms |`,
  );
  return [
    '## Performance',
    '',
    `\`npm run bench\` measures the receiver and the workflows on one machine and writes [bench/RESULTS.md](bench/RESULTS.md) ` +
      `(last run ${h.date ?? 'n/a'}, 2 cores, load average ${h.load ?? 'n/a'}; \`npm run bench -- --quick\` is a smoke test of about 12 minutes). ` +
      "Side by side with the original Space's stack (FastAPI + uvicorn, rebuilt from its published behaviour) and " +
      "huggingface_hub's WebhooksServer, same machine, same load, alternating runs (throughput of hub-retrain ÷ theirs; " +
      'p99 ours vs FastAPI, 32 connections):',
    '',
    '| request | vs FastAPI | vs WebhooksServer | p99 |',
    '| --- | ---: | ---: | --- |',
    ...rows,
    '',
    `- **Accepted events** are answered 202 only once Temporal holds them: the receiver takes them at ${h.limitShare ?? 'n/a'} a Temporal client reaches with no HTTP in front (in-memory dev server).`,
    `- **A storm of duplicates** (1,000 deliveries of one commit in about 2 s): ${h.storm ?? 'n/a'}. Duplicates that arrive while one is being recorded share its record.`,
    `- **Delivery to training start** (debounce 0, fake AutoTrain): ${h.deliveryMedian ?? 'n/a'}.`,
    `- **Waiting**: ${h.waiting ?? 'n/a'}. See bench/RESULTS.md for how it grows with N and what it costs.`,
    `- **The worker's cache**: ${h.cachedWorkflow ?? 'n/a'} (the OpenTelemetry workflow interceptors are loaded only when tracing is on).`,
    `- **Training** (section 8): ${h.trainers ?? 'n/a'}. What to expect for your own data: the table under "The local backend".`,
    ...(h.dataChecks ? [`- **Data checks** (section 11): ${h.dataChecks}.`] : []),
    '',
  ].join('\n');
}

if (require.main === module) {
  const quick = isQuick();
  const headline: Headline = { peerRatios: [] };
  const md = buildReport(quick, headline);
  const file = quick ? join(resultsDir(true), 'RESULTS.md') : join(BENCH, 'RESULTS.md');
  writeFileSync(file, md);
  const section = quick ? join(resultsDir(true), 'README-section.md') : join(BENCH, 'README-section.md');
  writeFileSync(section, readmeSection(headline));
  process.stderr.write(`wrote ${relative(process.cwd(), file)} and ${relative(process.cwd(), section)}\n`);
}

export type { CaseName, Headline, RunInfo, Target };
