/**
 * The house rules for imports (.dependency-cruiser.cjs; README, "Layout"): no circles, every run-time import
 * downhill, no Node built-in in workflow code. The service's own sources keep them, and each rule is shown to
 * catch what it forbids on a small tree of its own, so a rule that stopped matching would fail here too.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Cruise {
  code: number;
  violations: string[];
}

/** Runs the check as `npm run check:imports` does, in `cwd`; the names of the rules broken, with their modules. */
async function cruise(cwd: string, folders = ['src']): Promise<Cruise> {
  try {
    await promisify(execFile)(DEPCRUISE, [...folders, '--config', CONFIG, '--output-type', 'err'], { cwd });
    return { code: 0, violations: [] };
  } catch (err) {
    const { code, stdout } = err as { code: number; stdout: string };
    const violations = [...stdout.matchAll(/error (\S+): (\S+) →\s+(\S+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    return { code, violations };
  }
}

/** A tree of its own: tsconfig.json and `files` (path -> source). */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'import-rules-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs' }, include: ['src'] }),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const check = (files: Record<string, string>) => {
  const dir = tree(files);
  made.push(dir);
  return cruise(dir);
};

test("the service's sources keep the rules, and its tests, benchmarks and scripts have no circles", async () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const folders = ['src', 'bench', 'scripts', 'test'];
  expect(manifest.scripts['check:imports']).toBe(
    `depcruise ${folders.join(' ')} --config .dependency-cruiser.cjs --output-type err`,
  );
  expect(await cruise(ROOT, folders)).toEqual({ code: 0, violations: [] });
});

test('a circle is refused, even one closed by a type-only import', async () => {
  const result = await check({
    'src/backends/types.ts':
      "import type { HubClient } from '../hub/hub-client';\nexport type Deps = { hub: HubClient };\n",
    'src/hub/hub-client.ts':
      "import type { Deps } from '../backends/types';\nexport class HubClient {}\nexport type Uses = Deps;\n",
  });
  expect(result.code).not.toBe(0);
  expect(result.violations).toContain('no-circular src/backends/types.ts src/hub/hub-client.ts');
});

test('a run-time import uphill is refused; the same import of a type only is allowed', async () => {
  const app = "export const createApp = () => 'app';\nexport type App = string;\n";
  const uphill = await check({
    'src/server/app.ts': app,
    'src/config/env.ts': "import { createApp } from '../server/app';\nexport const made = createApp();\n",
  });
  expect(uphill.code).not.toBe(0);
  expect(uphill.violations).toEqual([
    expect.stringMatching(/^downhill-\d+ src\/config\/env\.ts src\/server\/app\.ts$/),
  ]);

  const typeOnly = await check({
    'src/server/app.ts': app,
    'src/config/env.ts': "import type { App } from '../server/app';\nexport const name: App = 'x';\n",
  });
  expect(typeOnly).toEqual({ code: 0, violations: [] });

  const downhill = await check({
    'src/config/env.ts': 'export const port = 1;\n',
    'src/server/app.ts': "import { port } from '../config/env';\nexport const listen = port;\n",
  });
  expect(downhill).toEqual({ code: 0, violations: [] });
});

test('workflow code reaches no Node built-in', async () => {
  const result = await check({
    'src/workflows/retrain.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  });
  expect(result.code).not.toBe(0);
  expect(result.violations).toEqual(['workflow-code-is-deterministic src/workflows/retrain.ts fs']);
});
