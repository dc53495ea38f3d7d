import { ConfigError, parseConfig } from '../../src/config/load-config';

/** The issues `check-config` reports for a config, as `<key path>: <message>` lines; fails if it is accepted. */
export function configIssues(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}
