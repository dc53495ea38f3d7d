/** Section 13 of bench/RESULTS.md: the transformers trainer at real size (bench/trainer-scale.bench.ts, trainer-scale.json). */
import { markdownTable } from '../lib/markdown';
import { formatNumber } from '../lib/stats';
import type { ScaleRun, TrainerScaleResults } from '../trainer-scale.bench';
import type { Target } from './shared';

const RSS_TARGET_MIB = 2048;
const STARTUP_TARGET_S = 60;

export function trainerScaleSection(r: TrainerScaleResults | undefined, targets: Target[]): string[] {
  if (!r) return [];
  const n = (x: number | undefined, digits = 1) => (x === undefined ? 'n/a' : formatNumber(x, digits));
  const rows = r.cases.flatMap((c) =>
    c.runs.map((run: ScaleRun) => [
      `${c.name} (${c.rows.toLocaleString('en')} ${c.name === 'text' ? 'rows' : 'images'}, ${c.dataMiB} MiB)`,
      run.version === 'before' ? `before (\`${r.before}\`)` : run.version,
      n(run.startupSeconds),
      n(run.dataSeconds),
      n(run.rssAtStartMiB, 0),
      `${n(run.peakRssMiB, 0)}${run.finished ? '' : ' (stopped)'}`,
      n(run.wallSeconds),
      run.steps ?? '—',
    ]),
  );
  for (const c of r.cases) {
    const after = c.runs.find((run) => run.version === 'after');
    const peak = Math.max(...c.runs.filter((run) => run.version !== 'before').map((run) => run.peakRssMiB));
    targets.push({
      name: `trainer peak RSS, ${c.name} (${c.rows.toLocaleString('en')})`,
      goal: `< ${RSS_TARGET_MIB} MiB`,
      measured: `${peak} MiB`,
      met: peak < RSS_TARGET_MIB,
    });
    if (c.name === 'text') {
      targets.push({
        name: `trainer start-up, text (${c.rows.toLocaleString('en')} rows)`,
        goal: `< ${STARTUP_TARGET_S} s`,
        measured: `${n(after?.startupSeconds)} s`,
        met: after?.startupSeconds !== undefined && after.startupSeconds < STARTUP_TARGET_S,
      });
    }
  }
  const ratio = (name: string, key: 'startupSeconds' | 'dataSeconds' | 'peakRssMiB') => {
    const c = r.cases.find((x) => x.name === name);
    const before = c?.runs.find((x) => x.version === 'before')?.[key];
    const after = c?.runs.find((x) => x.version === 'after')?.[key];
    return before && after ? `${formatNumber(after / before, 2)}×` : 'n/a';
  };
  return [
    '## 13. The transformers trainer at real size',
    '',
    `\`bench/trainer-scale.bench.ts\`: a generated ${r.cases[0]?.rows.toLocaleString('en') ?? '?'}-row text CSV ` +
      `(train.csv, plus a 2,000-row validation.csv) and a ${r.cases[1]?.rows.toLocaleString('en') ?? '?'}-image ` +
      'folder (32×32 PNGs, 10 classes, train/<label>/ plus validation/), tiny models (tests/tiny_models.py), batch ' +
      `${r.settings.batchSize}, one epoch capped at \`max_steps: ${r.settings.maxSteps}\`. "after" is this trainer ` +
      '(`datasets` reads the folder into memory-mapped Arrow and encodes batch by batch), run twice: the second run ' +
      `reads the datasets cache of the same revision. "before" is the trainer of \`${r.before}\`, which reads every ` +
      'row into Python lists and tokenises the whole set before the first step; it knows no `max_steps`, so it is ' +
      `stopped ${r.settings.stopBeforeAfterSeconds} s after training starts (its peak is a floor).`,
    '',
    'Start-up is the wall time from spawning `train.py` to the Trainer\'s "Running training" line, of which ' +
      '"reading data" runs from the trainer\'s "loading" line to its "N training rows" line (imports, the base model ' +
      'and, before, tokenising everything come after); RSS is the ' +
      "process's VmHWM (peak resident memory, of which ~0.9 GB is torch and transformers imported). Load average " +
      `${r.conditions.start.loadavg.join(', ')} at the start, ${r.conditions.end?.loadavg.join(', ') ?? 'n/a'} at ` +
      'the end: other work shared the 2 cores, so the seconds are loose; the memory is not.',
    '',
    markdownTable(
      [
        'data',
        'trainer',
        'start-up s',
        'of which reading data s',
        'RSS at start MiB',
        'peak RSS MiB',
        'wall s',
        'steps',
      ],
      rows,
      ['l', 'l', ...Array<'r'>(5).fill('r')],
    ),
    '',
    `After ÷ before: text start-up ${ratio('text', 'startupSeconds')} (reading data ${ratio('text', 'dataSeconds')}), ` +
      `peak RSS ${ratio('text', 'peakRssMiB')}; images start-up ${ratio('images', 'startupSeconds')} (reading data ` +
      `${ratio('images', 'dataSeconds')}), peak RSS ${ratio('images', 'peakRssMiB')}.`,
    '',
    'An image folder is slower to read than before: `datasets` lists its files, writes their paths to Arrow and ' +
      'fingerprints the file list (the cache key of the revision) on each run, where the old reader only listed the ' +
      'folder. Text is faster: the old reader tokenised every row before the first step, this one tokenises the ' +
      'batches as the Trainer asks. Memory stays flat with the size of the dataset either way.',
    '',
  ];
}
