/**
 * `hub-retrain doctor [--json]`: checks the environment and config.json, the Hub token, Temporal and its
 * search attributes, and each backend the pipelines use, with a fix for every problem. Exit code 1 when a
 * check fails.
 */
import { ConfigError, loadConfigFile } from '../config/load-config';
import type { PipelineSpec } from '../config/config-schema';
import { loadEnv, type Env } from '../config/env';
import { checkBackends, checkHubToken, checkTemporal, checkTrainingNotices, type CheckResult } from './doctor-checks';

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export async function runDoctor(source: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  let env: Env;
  try {
    env = loadEnv(source);
    checks.push({ check: 'environment', status: 'ok', detail: 'every variable is valid' });
  } catch (err) {
    checks.push(configFailure('environment', err, 'fix the variables listed (see .env.example)'));
    return report(checks);
  }
  let pipelines: PipelineSpec[] = [];
  try {
    pipelines = loadConfigFile(env.RETRAIN_CONFIG);
    checks.push({
      check: 'config',
      status: 'ok',
      detail: `${env.RETRAIN_CONFIG}: ${pipelines.map((p) => `${p.name} (${p.backend.type})`).join(', ')}`,
    });
  } catch (err) {
    checks.push(configFailure('config', err, 'fix config.json (npx hub-retrain check-config shows the same list)'));
  }
  const [token, temporal, backends, notices] = await Promise.all([
    checkHubToken(env, pipelines),
    checkTemporal(env),
    checkBackends(env, pipelines),
    checkTrainingNotices(env, pipelines),
  ]);
  checks.push(token, ...temporal, ...backends, ...notices);
  return report(checks);
}

function configFailure(check: string, err: unknown, fix: string): CheckResult {
  const detail =
    err instanceof ConfigError ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : (err as Error).message;
  return { check, status: 'fail', detail, fix };
}

function report(checks: CheckResult[]): DoctorReport {
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

const MARK = { ok: '✓', warn: '!', fail: '✗', skip: '-' } as const;

export function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.check.length));
  const lines = report.checks.flatMap((c) => [
    `${MARK[c.status]} ${c.check.padEnd(width)}  ${c.detail}`,
    ...(c.fix ? [`  ${' '.repeat(width)}  fix: ${c.fix}`] : []),
  ]);
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed === 0 ? 'Everything looks right.' : `${failed} problem${failed > 1 ? 's' : ''} found.`);
  return `${lines.join('\n')}\n`;
}
