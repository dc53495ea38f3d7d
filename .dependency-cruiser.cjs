/**
 * The house rules for imports (README, "Layout"), checked by `npm run check:imports` in `npm test` over src/,
 * bench/, scripts/ and test/ (the layers are src/'s; no circles anywhere):
 *
 * 1. No circles, counting type-only imports: two modules that need each other are one module, or share a third.
 * 2. Every import that runs runs downhill: a module imports at run time only from its own folder or from a
 *    folder below it in LAYERS. A type-only import (erased when compiled) may name a type from any layer, as
 *    long as it closes no circle: the workflow contracts name the backends' and the registry's result types.
 * 3. Workflow code (bundled by webpack into the workflow sandbox) reaches no Node built-in.
 */
const LAYERS = [
  // The floor: no imports from src/ at all.
  ['src/errors\\.ts$', 'src/logging\\.ts$', 'src/project-root\\.ts$', 'src/json-files\\.ts$', 'src/http/'],
  ['src/config/'],
  // The workflow contracts: ids, signals, queries and results that workers, activities and the receiver share.
  ['src/workflows/(definitions|budget-definitions|evaluation-failure)\\.ts$'],
  ['src/observability/'],
  ['src/temporal/'],
  ['src/hub/'],
  ['src/datasets/'],
  ['src/budget/'],
  ['src/registry/'],
  ['src/backends/'],
  ['src/deploy/'],
  ['src/serving/'],
  ['src/activities/'],
  // Workflow code: imports the activities' types and pure helpers below it.
  ['src/workflows/'],
  ['src/server/common/'],
  ['src/server/webhook/'],
  ['src/server/api/'],
  ['src/server/page/'],
  ['src/server/[^/]+\\.ts$'],
  ['src/cli/'],
  ['src/worker\\.ts$'],
  ['src/main\\.ts$'],
  ['src/cli\\.ts$'],
];

const group = (patterns) => `^(${patterns.join('|')})`;
const above = (i) => LAYERS.slice(i + 1).flat();
// A module matches the first layer whose pattern it matches (the contracts before the rest of src/workflows/).
const own = (i) => ({ path: group(LAYERS[i]), pathNot: i > 0 ? group(LAYERS.slice(0, i).flat()) : undefined });

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other (type-only imports count): split out what both need.',
      from: { path: '^(src|bench|scripts|test)/' },
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map((_, i) => ({
      name: `downhill-${i}`,
      severity: 'error',
      comment: `${LAYERS[i].join(' ')} may import at run time only from its own folder or a layer below it.`,
      from: own(i),
      to: {
        path: group(above(i)),
        pathNot: group(LAYERS.slice(0, i + 1).flat()),
        dependencyTypesNot: ['type-only'],
      },
    })),
    {
      name: 'workflow-code-is-deterministic',
      severity: 'error',
      comment: 'Workflow code runs in the sandbox webpack bundles: no Node built-ins.',
      from: { path: '^src/workflows/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // bench/.build, .venv and .work are ignored outputs of `npm run bench`, not sources (a copy of an older ref among them)
    exclude: { path: ['\\.d\\.ts$', '^bench/\\.(build|venv|work)/'] },
  },
};
