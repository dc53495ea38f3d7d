/**
 * The two workflow bundles: a worker without tracing runs the plain one, which leaves out the OpenTelemetry
 * interceptors (their modules are instantiated once per cached workflow), and a worker with tracing on runs
 * the traced one beside it.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../src/config/env';
import { tracedBundlePath, bundlePathFromEnv } from '../../src/temporal/workflow-bundle';
import { testBundlePath } from '../helpers/temporal';

const OTEL_SDK = 'node_modules/@opentelemetry/sdk-trace-base/';
const OTEL_INTERCEPTORS = 'node_modules/@temporalio/interceptors-opentelemetry/lib/workflow/';
const RUN_METRICS = 'src/workflows/interceptors/run-metrics.ts';

test('the plain bundle carries the run metrics but none of the tracing modules; the traced one carries both', () => {
  const plain = readFileSync(testBundlePath(), 'utf8');
  const traced = readFileSync(tracedBundlePath(testBundlePath()), 'utf8');
  expect(plain).toContain(RUN_METRICS);
  expect(plain).not.toContain(OTEL_SDK);
  expect(plain).not.toContain(OTEL_INTERCEPTORS);
  expect(traced).toContain(RUN_METRICS);
  expect(traced).toContain(OTEL_SDK);
  expect(traced).toContain(OTEL_INTERCEPTORS);
});

test('the traced bundle sits beside the plain one', () => {
  expect(tracedBundlePath('/srv/dist/workflow-bundle.js')).toBe('/srv/dist/workflow-bundle.traced.js');
  expect(tracedBundlePath('bundle')).toBe('bundle.traced.js');
});

describe('WORKFLOW_BUNDLE_PATH', () => {
  const plain = join(mkdtempSync(join(tmpdir(), 'hub-retrain-bundles-')), 'workflow-bundle.js');
  const env = loadEnv({ WORKFLOW_BUNDLE_PATH: plain });
  beforeAll(() => copyFileSync(testBundlePath(), plain));

  test('without tracing, the plain bundle runs', () => {
    expect(bundlePathFromEnv(env, false)).toBe(plain);
  });

  test('with tracing on and no traced bundle beside it, the worker refuses to start and says how to build it', () => {
    expect(() => bundlePathFromEnv(env, true)).toThrow(
      `tracing is on, but WORKFLOW_BUNDLE_PATH has no traced bundle beside it (${tracedBundlePath(plain)}): ` +
        '`npm run bundle -- <path>` writes both',
    );
  });

  test('with tracing on, the traced bundle beside it runs', () => {
    copyFileSync(tracedBundlePath(testBundlePath()), tracedBundlePath(plain));
    expect(bundlePathFromEnv(env, true)).toBe(tracedBundlePath(plain));
  });
});
