/**
 * docker-compose.yml, checked without a Docker engine: valid against the compose-spec JSON schema (vendored
 * in compose-spec.json, from Debian's docker-compose 1.29.2 package, compose/config/compose_spec.json), accepted
 * by `docker-compose config -q`, and wired as documented: the services, their ports, environment, health checks,
 * `depends_on` conditions, the search attributes, and the workers' shared state volume. And .env.example lists
 * every variable the compose file and the application read.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/definitions';

const ROOT = join(__dirname, '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const composeText = readFileSync(COMPOSE_FILE, 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(composeText, { merge: true }) as ComposeFile;
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
};
const script = (s: Service): string => (s.command ?? []).join('\n');

/** The vendored schema predates Ajv 8: it marks subschemas with draft-04 `id` and an http `$schema`. */
function composeSpecSchema(): object {
  const schema = JSON.parse(readFileSync(join(__dirname, 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  const stripIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(stripIds);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string') delete record.id;
      Object.values(record).forEach(stripIds);
    }
  };
  stripIds(schema);
  return schema;
}

test('the compose file is valid against the compose-spec JSON schema, which does reject a mistake', () => {
  // Formats (durations such as "5s") are compose's own, not JSON Schema's.
  const validate = new Ajv2019({ strict: false, validateFormats: false, allErrors: true }).compile(composeSpecSchema());
  expect(validate.errors ?? null).toBeNull();
  expect(validate(compose)).toBe(true);

  const broken = JSON.parse(JSON.stringify(compose)) as ComposeFile;
  broken.services.receiver!.depends_on!['temporal-search-attributes']!.condition = 'service_finished';
  expect(validate(broken)).toBe(false);
});

test('docker-compose config -q accepts the file with .env.example', () => {
  const found = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  if (found.error) {
    // .ci/run installs it (CI=true): never skipped there.
    if (process.env.CI) throw new Error('docker-compose is not installed');
    console.warn('docker-compose not installed: skipping `docker-compose config -q`');
    return;
  }
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync('docker-compose', ['-f', COMPOSE_FILE, '--env-file', join(ROOT, '.env.example'), 'config', '-q'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    });
  const ok = run({ WEBHOOK_SECRET: 'compose-check-secret' });
  expect(ok.stderr).toBe('');
  expect(ok.status).toBe(0);
  // WEBHOOK_SECRET is required: blank in .env.example, so compose refuses to start without one.
  const missing = run({});
  expect(missing.status).not.toBe(0);
  expect(missing.stderr).toContain('set WEBHOOK_SECRET');
});

test('services: PostgreSQL, the Temporal set-up steps, the server, the UI, the receiver and two workers', () => {
  expect(Object.keys(compose.services).sort()).toEqual(
    [
      'postgresql',
      'temporal-schema',
      'temporal',
      'temporal-namespace',
      'temporal-search-attributes',
      'temporal-ui',
      'receiver',
      'worker-1',
      'worker-2',
    ].sort(),
  );
  expect(service('temporal-ui').ports).toEqual(['8080:8080']);
  expect(service('temporal').ports).toEqual(['7233:7233']);
  expect(service('receiver').ports).toEqual(['7860:7860']);
});

test('each step waits for the one before it: a health check or a set-up step that exited 0', () => {
  expect(service('postgresql').healthcheck?.test.join(' ')).toContain('pg_isready');
  expect(service('temporal-schema').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
  expect(service('temporal').depends_on).toEqual({
    'temporal-schema': { condition: 'service_completed_successfully' },
  });
  expect(service('temporal-namespace').depends_on).toEqual({ temporal: { condition: 'service_started' } });
  expect(script(service('temporal-namespace'))).toContain('temporal operator cluster health');
  expect(service('temporal-search-attributes').depends_on).toEqual({
    'temporal-namespace': { condition: 'service_completed_successfully' },
  });
  expect(service('temporal-ui').depends_on).toEqual({
    'temporal-namespace': { condition: 'service_completed_successfully' },
  });
  for (const name of ['receiver', 'worker-1', 'worker-2']) {
    expect(service(name).depends_on).toEqual({
      'temporal-search-attributes': { condition: 'service_completed_successfully' },
    });
    expect(service(name).healthcheck?.test.join(' ')).toMatch(/fetch\('http:\/\/127\.0\.0\.1:\d+\/(readyz|metrics)'\)/);
  }
});

test('the schema step sets up both databases; the attribute step registers the four Keyword attributes', () => {
  const schema = script(service('temporal-schema'));
  expect(schema).toContain('/postgresql/v12/temporal/versioned');
  expect(schema).toContain('/postgresql/v12/visibility/versioned');
  expect(service('temporal-schema').environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql' });

  const attributes = script(service('temporal-search-attributes'));
  const names = SEARCH_ATTRIBUTES.map((a) => a.name);
  expect(names).toEqual(['RetrainPipeline', 'RetrainDataset', 'RetrainRevision', 'RetrainStage']);
  expect(attributes).toContain(`for name in ${names.join(' ')}; do`);
  expect(attributes).toContain('--type Keyword');
});

test('the receiver and the workers run this image, on the compose Temporal, the workers sharing one state volume', () => {
  const receiver = service('receiver');
  expect(receiver).toMatchObject({ build: '.', command: ['server'] });
  expect(receiver.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', PORT: 7860 });
  expect(String(receiver.environment?.WEBHOOK_SECRET)).toMatch(/^\$\{WEBHOOK_SECRET:\?/);
  expect(receiver.volumes).toContain('./config.json:/app/config.json:ro');

  for (const name of ['worker-1', 'worker-2']) {
    const worker = service(name);
    expect(worker).toMatchObject({ build: '.', command: ['worker'] });
    expect(worker.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      METRICS_PORT: 9464,
      RETRAIN_STATE_DIR: '/data/state',
      RETRAIN_MODELS_DIR: '/data/models',
    });
    expect(worker.volumes).toEqual(['retrain-data:/data']);
  }
  expect(compose.volumes).toHaveProperty('retrain-data');
});

test('.env.example lists every variable the compose file and the application read', () => {
  const listed = new Set(
    readFileSync(join(ROOT, '.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );
  const fromCompose = [...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)[:}?-]/g)].map((m) => m[1]!);
  const fromApp = Object.keys(envSchema.shape);
  const missing = [...new Set([...fromCompose, ...fromApp])].filter((name) => !listed.has(name));
  expect(missing).toEqual([]);
});
