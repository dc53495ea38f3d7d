/**
 * The workflow bundle: the workflows plus the workflow interceptors every worker runs (OpenTelemetry
 * tracing and the run metrics), built once at image build time (`npm run bundle`) so a production worker
 * starts without webpack. A worker without a pre-built bundle bundles the same modules at start.
 *
 *   tsx src/temporal/workflow-bundle.ts <out.js>      (default: dist/workflow-bundle.js)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Order matters: the first is the outermost. trace-link sets the delivery's trace context before the
 * OpenTelemetry interceptors open a span for starting a child; tracing wraps the metrics.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('../workflows/interceptors/trace-link'),
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
  require.resolve('../workflows/interceptors/run-metrics'),
];

const noop = (): void => {};
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quiet,
  });
  return code;
}

export async function writeWorkflowBundle(path: string): Promise<string> {
  const out = resolve(path);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await buildWorkflowBundle());
  return out;
}

if (require.main === module) {
  writeWorkflowBundle(process.argv[2] ?? 'dist/workflow-bundle.js')
    .then((out) => process.stdout.write(`workflow bundle written to ${out}\n`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
