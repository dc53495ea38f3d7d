/**
 * The workflow bundles: the workflows plus their workflow interceptors, built once at image build time
 * (`npm run bundle`) so a production worker starts without webpack. A worker without a pre-built bundle
 * bundles the same modules at start.
 *
 * Two bundles, because a worker holds one instance of a bundle's modules per cached workflow: the plain
 * bundle carries only the run-metrics interceptor; the traced bundle (for workers with tracing on) adds the
 * OpenTelemetry interceptors, which cost several times the plain bundle's heap per cached workflow and slow
 * every workflow's creation and replay (bench/RESULTS.md, "Memory per cached workflow"). Neither interceptor
 * set issues commands, so a history recorded by either replays on the other (test/replay replays every
 * history on both).
 *
 *   tsx src/temporal/workflow-bundle.ts <out.js>      (default: dist/workflow-bundle.js, and its .traced.js)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Env } from '../config/env';
import { projectRoot } from '../project-root';

export const WORKFLOWS_PATH = require.resolve('../workflows');

const RUN_METRICS = require.resolve('../workflows/interceptors/run-metrics');
/**
 * Order matters: the first is the outermost. trace-link sets the delivery's trace context before the
 * OpenTelemetry interceptors open a span for starting a child; tracing wraps the metrics.
 */
const TRACING = [
  require.resolve('../workflows/interceptors/trace-link'),
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** The workflow interceptor modules of a bundle: the run metrics, and with `traced` the tracing ones. */
export function workflowInterceptorModules(traced: boolean): string[] {
  return traced ? [...TRACING, RUN_METRICS] : [RUN_METRICS];
}

/** Where the traced bundle that goes with a plain bundle lives: `x.js` -> `x.traced.js`. */
export function tracedBundlePath(plainPath: string): string {
  return `${plainPath.replace(/\.js$/, '')}.traced.js`;
}

const noop = (): void => {};
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

export async function buildWorkflowBundle(traced: boolean): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: workflowInterceptorModules(traced),
    logger: quiet,
  });
  return code;
}

/** Writes the plain bundle to `path` and the traced one beside it (tracedBundlePath). */
export async function writeWorkflowBundles(path: string): Promise<{ plain: string; traced: string }> {
  const plain = resolve(path);
  const traced = tracedBundlePath(plain);
  mkdirSync(dirname(plain), { recursive: true });
  writeFileSync(plain, await buildWorkflowBundle(false));
  writeFileSync(traced, await buildWorkflowBundle(true));
  return { plain, traced };
}

if (require.main === module) {
  writeWorkflowBundles(process.argv[2] ?? 'dist/workflow-bundle.js')
    .then(({ plain, traced }) => process.stdout.write(`workflow bundles written to ${plain} and ${traced}\n`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}

/** The pre-built bundle shipped in production images (`npm run bundle` at build time). */
export const DEFAULT_BUNDLE_PATH = join(projectRoot(), 'dist', 'workflow-bundle.js');

/**
 * The pre-built bundle to run: WORKFLOW_BUNDLE_PATH, else the image's when running compiled code; with
 * `traced` (tracing on), the traced bundle beside it. A checkout running the TypeScript sources bundles them at
 * start, so a stale dist/ never runs old workflow code. A WORKFLOW_BUNDLE_PATH without its traced bundle, with
 * tracing on, is an error rather than a worker whose workflows silently send no spans.
 */
export function bundlePathFromEnv(env: Env, traced: boolean): string | undefined {
  if (env.WORKFLOW_BUNDLE_PATH) {
    const plain = resolve(env.WORKFLOW_BUNDLE_PATH);
    if (!traced) return plain;
    const withTracing = tracedBundlePath(plain);
    if (!existsSync(withTracing))
      throw new Error(
        `tracing is on, but WORKFLOW_BUNDLE_PATH has no traced bundle beside it (${withTracing}): ` +
          '`npm run bundle -- <path>` writes both',
      );
    return withTracing;
  }
  const path = traced ? tracedBundlePath(DEFAULT_BUNDLE_PATH) : DEFAULT_BUNDLE_PATH;
  const compiled = __filename.endsWith('.js');
  return compiled && existsSync(path) ? path : undefined;
}
