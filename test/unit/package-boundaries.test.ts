/**
 * The trainers are a package of their own (trainers/package.json, an npm workspace) that the service runs as
 * processes: the service's manifest does not depend on the trainers' libraries, no service module imports the
 * trainers or those libraries, and the trainers import nothing of the service.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TRAINERS_LIBRARIES = ['sharp', 'hyparquet', 'hyparquet-compressors', 'csv-parse'];

const manifest = (path: string) =>
  JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as {
    dependencies?: Record<string, string>;
    workspaces?: string[];
  };

/** Every .ts file under `dir` (relative to the root), but `skip`ped folders. */
function sources(dir: string, skip: string[] = []): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((path) => !skip.some((s) => path.startsWith(s)));
}

/** The module specifiers a file imports (static and dynamic imports, require). */
function imports(path: string): string[] {
  const text = readFileSync(join(ROOT, path), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)'([^']+)'/g)].map((m) => m[1]!);
}

test("the trainers' libraries are the trainers package's dependencies, not the service's", () => {
  const service = manifest('package.json');
  const trainers = manifest('trainers/package.json');
  expect(service.workspaces).toEqual(['trainers']);
  for (const name of TRAINERS_LIBRARIES) {
    expect([name, service.dependencies?.[name]]).toEqual([name, undefined]);
    expect(trainers.dependencies?.[name]).toMatch(/^\^/);
  }
});

test('no module of the service imports the trainers or their libraries', () => {
  const offending = sources('src').flatMap((path) =>
    imports(path)
      .filter((spec) => /(^|\/)trainers(\/|$)/.test(spec) || TRAINERS_LIBRARIES.includes(spec.split('/')[0]!))
      .map((spec) => `${path}: ${spec}`),
  );
  expect(offending).toEqual([]);
});

test('the trainers import nothing of the service', () => {
  const files = sources('trainers', ['trainers/node_modules', 'trainers/dist', 'trainers/transformers']);
  expect(files.length).toBeGreaterThan(20);
  const offending = files.flatMap((path) =>
    imports(path)
      .filter((spec) => spec.startsWith('.') && relative(ROOT, join(ROOT, path, '..', spec)).startsWith('src'))
      .map((spec) => `${path}: ${spec}`),
  );
  expect(offending).toEqual([]);
});
