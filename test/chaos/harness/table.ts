/**
 * The suite's report: each scenario writes its row to CHAOS_RESULTS_DIR as it ends (test files run in
 * separate jest workers); the global teardown gathers them into the table printed at the end and written to
 * test/chaos/RESULTS.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InvariantResult } from './invariants';

export interface ScenarioRow {
  /** Sort key: rows appear in the order of the list. */
  order: number;
  fault: string;
  backend: string;
  /** How the fault was injected and how the lost work came back (e.g. the shortcut for a 2-minute timeout). */
  how: string;
  runs: number;
  invariants: InvariantResult[];
  seconds: number;
}

export function recordRow(row: ScenarioRow): void {
  const dir = process.env.CHAOS_RESULTS_DIR;
  if (!dir) return; // a scenario run outside the suite's setup: nothing to gather
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${String(row.order).padStart(3, '0')}.json`), JSON.stringify(row));
}

export function readRows(dir: string): ScenarioRow[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioRow)
    .sort((a, b) => a.order - b.order);
}

const held = (row: ScenarioRow) => row.invariants.filter((i) => i.held).length;

/** The plain-text table for the terminal. */
export function textTable(rows: ScenarioRow[]): string {
  const lines = rows.map((r) => [
    r.fault,
    r.backend,
    String(r.runs),
    `${held(r)}/${r.invariants.length}${held(r) === r.invariants.length ? '' : '  FAILED'}`,
  ]);
  const header = ['fault', 'backend', 'runs', 'invariants held'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  const out = [fmt(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(fmt)];
  for (const r of rows) {
    for (const i of r.invariants.filter((x) => !x.held)) out.push(`  ${r.fault}: ${i.name}: ${i.detail}`);
  }
  return out.join('\n');
}

/** test/chaos/RESULTS.md: the table, then how each fault was injected, then the invariants' details. */
export function markdown(rows: ScenarioRow[], meta: { date: string; seconds: number; command: string }): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [
    '# Chaos suite results',
    '',
    `Written by \`${meta.command}\` on ${meta.date} (${Math.round(meta.seconds)} s for the whole suite). Each fault is`,
    'injected into the real receiver, worker and Temporal dev server processes while training is in flight;',
    "the invariants are then checked from the fakes' own records and from Temporal (see",
    '[`harness/invariants.ts`](harness/invariants.ts)).',
    '',
    '| fault | backend | runs | invariants held |',
    '| --- | --- | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${esc(r.fault)} | ${r.backend} | ${r.runs} | ${held(r) === r.invariants.length ? '✅' : '❌'} ${held(r)}/${r.invariants.length} |`,
    ),
    '',
    'The invariants: every acknowledged delivery reaches a terminal state; exactly one training job per',
    'revision; exactly one notification per revision and outcome; compensation ran for every failed run; no',
    'workflow is stuck; no training job is left running at the backend.',
    '',
    '## How each fault was injected',
    '',
    'Seconds: from the start of the scenario until its checks; rows injected into one set of processes at once',
    '(the worker kills, the backend faults) share that clock.',
    '',
    '| fault | how | seconds |',
    '| --- | --- | ---: |',
    ...rows.map((r) => `| ${esc(r.fault)} | ${esc(r.how)} | ${Math.round(r.seconds)} |`),
    '',
    '## What was checked',
    '',
  ];
  for (const r of rows) {
    out.push(`### ${r.fault} (${r.backend})`, '');
    for (const i of r.invariants) out.push(`- ${i.held ? '✅' : '❌'} ${i.name}: ${i.detail}`);
    out.push('');
  }
  return out.join('\n');
}
