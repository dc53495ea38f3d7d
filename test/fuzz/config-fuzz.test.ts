/**
 * The config loader under generated input: whatever the JSON, it returns pipelines or throws a
 * ConfigError whose every line names a key path; nothing else escapes, and it never pollutes prototypes.
 */
import fc from 'fast-check';
import { ConfigError, parseConfig } from '../../src/config/load-config';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300) * 3;
let tried = 0;
afterAll(() => process.stdout.write(`config fuzz: ${tried} inputs\n`));

const VALID = {
  name: 'p',
  target_namespace: 'acme',
  input_dataset: 'acme/d',
  input_model: 'm',
  backend: { type: 'local', params: {} },
  promotion: { metric: 'accuracy' },
};

function outcome(raw: unknown): 'ok' | 'config-error' {
  tried += 1;
  try {
    parseConfig(raw);
    return 'ok';
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const issue of err.issues) {
      expect(issue.path.length).toBeGreaterThan(0);
      expect(issue.message.length).toBeGreaterThan(0);
    }
    return 'config-error';
  }
}

test('any JSON value: pipelines or a ConfigError with key paths, nothing else', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (raw) => void outcome(raw)),
    { numRuns: RUNS },
  );
});

test('a valid pipeline with one key replaced by anything: a ConfigError naming that key, or still valid', () => {
  const key = fc.constantFrom(
    ...Object.keys(VALID),
    'debounce_seconds',
    'on_new_revision',
    'approval_timeout',
    'notify',
    'publish',
    'unknown_key',
  );
  fc.assert(
    fc.property(key, fc.jsonValue(), (name, value) => {
      const raw = { pipelines: [{ ...VALID, [name]: value }] };
      if (outcome(raw) === 'ok') return;
      try {
        parseConfig(raw);
      } catch (err) {
        expect(
          (err as ConfigError).issues.some(
            (i) => i.path.startsWith(`pipelines[0].${name}`) || i.path === 'pipelines[0]',
          ),
        ).toBe(true);
      }
    }),
    { numRuns: RUNS },
  );
});

test('__proto__ and constructor keys are rejected as unknown keys and pollute nothing', () => {
  const raw = JSON.parse(
    '{"pipelines": [{"name": "p", "target_namespace": "a", "input_dataset": "a/b", "input_model": "m", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}]}',
  ) as unknown;
  expect(outcome(raw)).toBe('config-error');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
