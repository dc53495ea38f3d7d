/** A helper process that takes jobs over IPC (load-generator.ts, signal-client.ts), run through tsx. */
import { fork, type ChildProcess } from 'node:child_process';

export class ChildRunner<Job, Result> {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private readonly child: ChildProcess;

  constructor(
    private readonly file: string,
    execArgv: string[] = [],
  ) {
    this.child = fork(file, [], {
      execArgv: ['--require', 'tsx/cjs', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; result?: Result; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${this.file}: ${m.error}`));
      else p.resolve(m.result!);
    });
    this.child.once('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`${this.file} exited with ${code}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  run(job: Job): Promise<Result> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, job });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
