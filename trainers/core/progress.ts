/** One line of the trainer's stdout protocol; any subset of the keys. */
export interface ProgressLine {
  /** 0..1 */
  progress?: number;
  message?: string;
  metrics?: Record<string, number>;
}

export type Reporter = (line: ProgressLine) => void;

/** Writes each line as one JSON object per line, the form the local backend reads from stdout. */
export function jsonLinesReporter(write: (chunk: string) => void = (chunk) => process.stdout.write(chunk)): Reporter {
  return (line) => {
    const out: ProgressLine = { ...line };
    if (out.progress !== undefined) out.progress = Math.round(Math.min(1, Math.max(0, out.progress)) * 1000) / 1000;
    write(`${JSON.stringify(out)}\n`);
  };
}

export const silentReporter: Reporter = () => {};

/** A reporter for one stage that maps the stage's own 0..1 onto [from, to] of the whole run. */
export function stage(report: Reporter, from: number, to: number): (fraction: number, message?: string) => void {
  return (fraction, message) => report({ progress: from + (to - from) * fraction, message });
}
