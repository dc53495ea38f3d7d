/** One line that redraws in place on a terminal: a bar, the stage and the latest message. */
export function progressLine(
  stage: string,
  progress: number | undefined,
  message: string | undefined,
  width = 24,
): string {
  const fraction = Math.max(0, Math.min(1, progress ?? 0));
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const percent = progress === undefined ? '   ' : `${String(Math.round(fraction * 100)).padStart(3)}%`;
  return `[${bar}] ${percent} ${stage.padEnd(17)} ${(message ?? '').slice(0, 60)}`;
}

/** Writes progress: redrawn in place on a TTY, one line per change otherwise (logs, CI). */
export class ProgressWriter {
  private last = '';
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(line: string): void {
    if (line === this.last) return;
    this.last = line;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  done(): void {
    if (this.out.isTTY && this.last) this.out.write('\n');
  }
}
