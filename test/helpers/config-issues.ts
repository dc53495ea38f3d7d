import { ConfigError, parseConfig } from '../../src/config/load-config';

/** The issues parseConfig reports for a config, as `path: message` lines (throws if it parses). */
export function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}
