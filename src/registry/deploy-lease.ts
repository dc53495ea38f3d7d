/**
 * One deploy of a pipeline at a time: `<models>/<pipeline>/deploy-lease.json` says which workflow is changing what
 * serves the pipeline, and until when at the latest. The deploy activities take it when they plan a deploy and give
 * it back when they record what serves; a roll-back by hand (the API, `hub-retrain rollback`, the page's button)
 * is refused while another workflow holds it, so a run's automatic roll-back cannot undo a roll-back by hand made
 * meanwhile, and two deploys of one pipeline cannot interleave. A lease whose workflow died before giving it back
 * expires (README, "Serving").
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DeployTarget } from '../config/deploy-schema';

const leaseSchema = z.object({
  /** The workflow that deploys: a run (`retrain:...`) or a roll-back by hand (`rollback:<pipeline>`). */
  holder: z.string().min(1),
  /** The registry revision it puts in service. */
  revision: z.string(),
  since: z.string(),
  expiresAt: z.string(),
});
export type DeployLease = z.infer<typeof leaseSchema>;

/** Plan, apply and record: their activities' schedule-to-close time (retrain-deploy.ts `deploySteps`). */
const STEPS_SECONDS = 10 * 60;

/**
 * How long a deploy may hold the lease: its wait for the target and a roll-back's wait (ready_timeout each), its
 * smoke check's three attempts, and the plan, apply and record steps.
 */
export function leaseSeconds(deploy: DeployTarget): number {
  const smoke = 'smoke' in deploy && deploy.smoke ? deploy.smoke : undefined;
  const smokeAttempt = (smoke?.timeout ?? 60) * (smoke?.inputs.length ?? 1) + 10;
  return 2 * deploy.ready_timeout + 3 * smokeAttempt + STEPS_SECONDS;
}

export class DeployLeases {
  constructor(readonly root: string) {}

  private file(pipeline: string): string {
    return join(this.root, pipeline, 'deploy-lease.json');
  }

  /** The lease on a pipeline's deploys, unless none was taken or it has expired. */
  live(pipeline: string, now = Date.now()): DeployLease | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(pipeline), 'utf8');
    } catch {
      return undefined;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = leaseSchema.safeParse(raw);
    if (!parsed.success || Date.parse(parsed.data.expiresAt) <= now) return undefined;
    return parsed.data;
  }

  /**
   * Takes (or, for its holder, renews) the lease. The caller has checked that no other workflow holds a live one,
   * or that the one holding it has ended without giving it back.
   */
  take(pipeline: string, holder: string, revision: string, seconds: number): DeployLease {
    const held = this.live(pipeline);
    const now = Date.now();
    const lease: DeployLease = {
      holder,
      revision,
      since: held?.holder === holder ? held.since : new Date(now).toISOString(),
      expiresAt: new Date(now + seconds * 1000).toISOString(),
    };
    const path = this.file(pipeline);
    mkdirSync(join(this.root, pipeline), { recursive: true });
    const staging = `${path}.${process.pid}.${now}`;
    writeFileSync(staging, JSON.stringify(lease, null, 2));
    renameSync(staging, path);
    return lease;
  }

  /** Gives the lease back, if this holder has it (a retried release, or one after the lease passed on, does nothing). */
  release(pipeline: string, holder: string): void {
    const lease = this.live(pipeline);
    if (lease?.holder === holder) rmSync(this.file(pipeline), { force: true });
  }
}
