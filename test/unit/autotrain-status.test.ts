import { autotrainProjectName } from '../../src/backends/autotrain/autotrain-backend';
import { autotrainState, needsStopping, outcomeMayBePosted } from '../../src/backends/autotrain/runtime-status';
import { parseConfig } from '../../src/config/load-config';

const SUCCESS = 'Your training has finished successfully ✅';
const FAILURE = 'Your training has failed ❌';

describe('AutoTrain status from the training Space (spec/autotrain.md)', () => {
  test.each([
    ['BUILDING', 'queued'],
    ['APP_STARTING', 'queued'],
    ['RUNNING', 'running'],
    ['RUNNING_BUILDING', 'running'],
    ['RUNNING_APP_STARTING', 'running'],
    ['RUNTIME_ERROR', 'failed'],
    ['BUILD_ERROR', 'failed'],
    ['CONFIG_ERROR', 'failed'],
    ['NO_APP_FILE', 'failed'],
    ['PAUSED', 'failed'],
    ['STOPPED', 'failed'],
    ['DELETING', 'cancelled'],
  ])('stage %s without an outcome discussion -> %s', (stage, state) => {
    expect(autotrainState({ stage }, []).state).toBe(state);
  });

  test("AutoTrain's outcome discussion decides success or failure, whatever the stage", () => {
    expect(autotrainState({ stage: 'PAUSED' }, ['hello', SUCCESS]).state).toBe('succeeded');
    expect(autotrainState({ stage: 'RUNNING' }, [SUCCESS]).state).toBe('succeeded');
    expect(autotrainState({ stage: 'PAUSED' }, [FAILURE]).state).toBe('failed');
  });

  test('a broken Space reports its error message; a missing Space is a failure', () => {
    expect(autotrainState({ stage: 'RUNTIME_ERROR', errorMessage: 'OOM' }, [])).toEqual({
      state: 'failed',
      message: 'the training Space is in RUNTIME_ERROR: OOM',
    });
    expect(autotrainState(undefined, []).state).toBe('failed');
  });

  test('discussions are only looked up once the Space has run; only live Spaces need stopping', () => {
    expect(outcomeMayBePosted({ stage: 'BUILDING' })).toBe(false);
    expect(outcomeMayBePosted({ stage: 'RUNNING' })).toBe(true);
    expect(outcomeMayBePosted(undefined)).toBe(true);
    expect(needsStopping({ stage: 'RUNNING' })).toBe(true);
    expect(needsStopping({ stage: 'RUNTIME_ERROR' })).toBe(true);
    expect(needsStopping({ stage: 'PAUSED' })).toBe(false);
    expect(needsStopping(undefined)).toBe(false);
  });
});

describe('AutoTrain project names', () => {
  const [pipeline] = parseConfig({
    target_namespace: 'acme',
    input_dataset: 'acme/d',
    input_model: 'm',
    autotrain_project_prefix: 'x'.repeat(40),
  });

  test('prefix plus 12 hex digits of the sha, deterministic, at most 50 characters of letters, digits and -', () => {
    const name = autotrainProjectName({
      pipeline: pipeline!,
      revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
      attempt: 1,
    });
    expect(name).toMatch(/^[A-Za-z0-9-]{1,50}$/);
    expect(name.endsWith('-9f2c4e1a7b3d')).toBe(true);
    expect(
      autotrainProjectName({ pipeline: pipeline!, revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d', attempt: 1 }),
    ).toBe(name);
  });

  test('a retry after a failed run gets its own project', () => {
    const name = autotrainProjectName({
      pipeline: pipeline!,
      revision: '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d',
      attempt: 2,
    });
    expect(name).toMatch(/-9f2c4e1a7b3d-r2$/);
    expect(name.length).toBeLessThanOrEqual(50);
  });

  test('two revisions that share a short sha get their own projects', () => {
    // Two of 5,000 random revisions in the waiting benchmark began with these seven digits.
    const first = autotrainProjectName({
      pipeline: pipeline!,
      revision: 'c31230fef16c265fb569c8bbf194d05c454fd516',
      attempt: 1,
    });
    const second = autotrainProjectName({
      pipeline: pipeline!,
      revision: 'c31230f3e4bed871d88d253a285808f43ae30e81',
      attempt: 1,
    });
    expect(first).not.toBe(second);
  });
});
