/**
 * The model registry on disk: `<root>/<pipeline>/<revision>/` per run (the model, or for remote backends a
 * pointer to it, plus metrics.json and a model card README.md), and `<root>/<pipeline>/current`, a
 * symlink to the promoted run, switched atomically.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { costLine } from '../budget/cost-lines';
import type { RunCost } from '../workflows/definitions';
import { join, resolve } from 'node:path';
import { readJson } from '../json-files';
import { withVerdictSection } from './model-card-verdict';
import type { PromotionDecision } from './promotion';

export interface CardFacts {
  pipeline: string;
  dataset: string;
  revision: string;
  baseModel: string;
  task: string;
  backend: string;
  metrics: Record<string, number>;
  /** Where the model lives when it is not in this folder (a Hub repo). */
  model?: string;
  /** The commit of that repo the run pushed: the model in service is measured at it (issue 23). */
  modelRevision?: string;
  trainedAt: string;
  /** False when the model starts from no base model (the local TypeScript baseline): the card claims no `base_model`. */
  fromBaseModel?: boolean;
  /** A warning the card shows first (the pipeline names a base model that the baseline did not train). */
  note?: string;
  /** What the training cost (patch 'cost-and-budget'). */
  cost?: RunCost;
}

export interface InServicePointer {
  /** The dataset revision of the run that made it (its folder in the registry). */
  run: string;
  /** The Hub model repo. */
  model: string;
  /** The commit the run pushed, when it was recorded. */
  revision?: string;
}

export class ModelRegistry {
  constructor(readonly root: string) {}

  runDir(pipeline: string, revision: string): string {
    return resolve(this.root, pipeline, revision);
  }

  currentDir(pipeline: string): string {
    return resolve(this.root, pipeline, 'current');
  }

  /** The promoted revision and its metrics, if any model was promoted yet. */
  current(pipeline: string): { revision: string; metrics: Record<string, number> } | undefined {
    let revision: string;
    try {
      revision = readlinkSync(this.currentDir(pipeline));
    } catch {
      return undefined;
    }
    const metrics = readJson<Record<string, unknown>>(join(this.runDir(pipeline, revision), 'metrics.json')) ?? {};
    return {
      revision,
      metrics: Object.fromEntries(
        Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number'),
      ),
    };
  }

  /**
   * The model in service when it lives in a Hub repo (the pointer an AutoTrain or Jobs run recorded): the run that
   * made it, the repo and the commit. Undefined when none is in service, or when it is a folder here.
   */
  currentPointer(pipeline: string): InServicePointer | undefined {
    const current = this.current(pipeline);
    if (!current) return undefined;
    const pointer = readJson<Record<string, unknown>>(join(this.runDir(pipeline, current.revision), 'model.json'));
    if (!pointer || pointer.format !== undefined || typeof pointer.model !== 'string') return undefined;
    return {
      run: current.revision,
      model: pointer.model,
      revision: typeof pointer.revision === 'string' ? pointer.revision : undefined,
    };
  }

  /**
   * Records a finished run: metrics.json and a model card (unless the trainer wrote them: the transformers
   * trainer's card knows its parameters and per-class results), and a pointer for remote models.
   */
  record(facts: CardFacts): string {
    const dir = this.runDir(facts.pipeline, facts.revision);
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'metrics.json')))
      writeFileSync(join(dir, 'metrics.json'), JSON.stringify(facts.metrics, null, 2));
    if (facts.model)
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify(
          { model: facts.model, ...(facts.modelRevision ? { revision: facts.modelRevision } : {}) },
          null,
          2,
        ),
      );
    if (!existsSync(join(dir, 'README.md'))) writeFileSync(join(dir, 'README.md'), modelCard(facts));
    return dir;
  }

  /** Records the commit a promoted local model was published as (`published.json`), so a deploy serves exactly it. */
  recordPublished(pipeline: string, revision: string, repo: string, commit: string): void {
    writeFileSync(join(this.runDir(pipeline, revision), 'published.json'), JSON.stringify({ repo, commit }, null, 2));
  }

  /**
   * The commit of `repo` that holds this run's model, when it was recorded: the one a Jobs or AutoTrain run pushed
   * (model.json), or the one a local model was published as (published.json). Undefined: not recorded.
   */
  modelCommit(pipeline: string, revision: string, repo: string): string | undefined {
    const dir = this.runDir(pipeline, revision);
    const pushed = readJson<{ model?: unknown; revision?: unknown }>(join(dir, 'model.json'));
    if (pushed?.model === repo && typeof pushed.revision === 'string') return pushed.revision;
    const published = readJson<{ repo?: unknown; commit?: unknown }>(join(dir, 'published.json'));
    if (published?.repo === repo && typeof published.commit === 'string') return published.commit;
    return undefined;
  }

  /** Adds (or replaces) the gate's verdict in the run's model card. */
  recordVerdict(pipeline: string, revision: string, decision: PromotionDecision): void {
    const dir = this.runDir(pipeline, revision);
    const card = join(dir, 'README.md');
    if (existsSync(card)) writeFileSync(card, withVerdictSection(readFileSync(card, 'utf8'), decision));
  }

  /**
   * Points `current` at a revision: a new symlink renamed over the old one, so readers never see none. The
   * revision it pointed at before is kept as `previous` (what a failed deploy rolls back to).
   */
  promote(pipeline: string, revision: string): void {
    const before = this.linkOf(pipeline, 'current');
    if (before && before !== revision) this.relink(pipeline, 'previous', before);
    this.relink(pipeline, 'current', revision);
  }

  /** The revision `current` pointed at before the last promotion, if any. */
  previous(pipeline: string): string | undefined {
    return this.linkOf(pipeline, 'previous');
  }

  /** Whether the registry holds a run of this revision. */
  has(pipeline: string, revision: string): boolean {
    return existsSync(join(this.runDir(pipeline, revision), 'metrics.json'));
  }

  private linkOf(pipeline: string, name: string): string | undefined {
    try {
      return readlinkSync(resolve(this.root, pipeline, name));
    } catch {
      return undefined;
    }
  }

  private relink(pipeline: string, name: string, revision: string): void {
    const link = resolve(this.root, pipeline, name);
    const staging = `${link}.${process.pid}.${Date.now()}`;
    symlinkSync(revision, staging);
    renameSync(staging, link);
  }
}

function modelCard(f: CardFacts): string {
  const metricRows = Object.entries(f.metrics)
    .map(([k, v]) => `| ${k} | ${Number.isInteger(v) ? v : v.toFixed(4)} |`)
    .join('\n');
  const note = f.note ? `\n> **Note:** ${f.note}.\n` : '';
  return `---
library_name: hub-retrain
pipeline_tag: ${f.task}
${f.fromBaseModel === false ? '' : `base_model: ${f.baseModel}\n`}tags:
  - hub-retrain
---

# ${f.pipeline} @ ${f.revision.slice(0, 7)}

Trained by hub-retrain for the **${f.pipeline}** pipeline.
${note}
| | |
| --- | --- |
| Dataset | \`${f.dataset}\` |
| Dataset revision | \`${f.revision}\` |
| Base model | \`${f.baseModel}\` |
| Task | \`${f.task}\` |
| Backend | \`${f.backend}\` |
| Trained | ${f.trainedAt} |
${f.model ? `| Model | \`${f.model}\` |\n` : ''}${f.cost ? `| Training cost | ${costLine(f.cost)} |\n` : ''}
## Evaluation

| metric | value |
| --- | --- |
${metricRows || '| (none reported) | |'}
`;
}
