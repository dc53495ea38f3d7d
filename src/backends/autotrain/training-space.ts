/**
 * The names of a run's AutoTrain project and training Space, both ways: a run names its project
 * (`<autotrain_project_prefix>-<12 hex of the revision>[-r<attempt>]`, at most 50 characters) and AutoTrain makes
 * the Space `<target_namespace>/autotrain-<project>`; from a Space id, the runs that may train there. No I/O: the
 * receiver uses it to route AutoTrain's outcome discussion to the waiting run.
 */
import type { PipelineSpec } from '../../config/config-schema';
import { RUN_NAME_REVISION_DIGITS, runNameSuffix, type RunContext } from '../types';

/** AutoTrain project names: letters, digits and "-", at most 50; unique per pipeline, revision and attempt. */
export const AUTOTRAIN_PROJECT_NAME_MAX = 50;

export function autotrainProjectName(run: RunContext): string {
  const suffix = runNameSuffix(run);
  return `${run.pipeline.autotrain_project_prefix.slice(0, AUTOTRAIN_PROJECT_NAME_MAX - suffix.length)}${suffix}`;
}

/** The training Space AutoTrain makes for a project. */
export function trainingSpaceId(namespace: string, projectName: string): string {
  return `${namespace}/autotrain-${projectName}`;
}

/** A run a training Space's name points at: its pipeline, the first digits of its revision, its attempt. */
export interface SpaceRun {
  pipeline: PipelineSpec;
  revisionPrefix: string;
  attempt: number;
}

const SUFFIX = new RegExp(`^(.*)-([0-9a-f]{${RUN_NAME_REVISION_DIGITS}})(?:-r([1-9][0-9]{0,5}))?$`);

/** The runs of AutoTrain pipelines whose project would be this Space (none for any other Space). */
export function runsOfTrainingSpace(spaceId: string, pipelines: readonly PipelineSpec[]): SpaceRun[] {
  const [namespace, name, ...rest] = spaceId.split('/');
  if (!namespace || !name || rest.length > 0 || !name.startsWith('autotrain-')) return [];
  const match = SUFFIX.exec(name.slice('autotrain-'.length));
  if (!match) return [];
  const [, prefix, revisionPrefix, attempt] = match as unknown as [string, string, string, string | undefined];
  const suffixLength = name.length - 'autotrain-'.length - prefix.length;
  return pipelines
    .filter(
      (p) =>
        p.backend.type === 'autotrain' &&
        p.target_namespace === namespace &&
        p.autotrain_project_prefix.slice(0, AUTOTRAIN_PROJECT_NAME_MAX - suffixLength) === prefix,
    )
    .map((pipeline) => ({ pipeline, revisionPrefix, attempt: attempt ? Number(attempt) : 1 }));
}
