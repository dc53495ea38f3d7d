import { ConfigError, parseConfig } from '../../src/config/load-config';

/** The `path: message` lines of the ConfigError a config raises (fails the test if it raises none). */
export function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}
