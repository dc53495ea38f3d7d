/** `inspect <data-dir> [--task T] [--params JSON]`: prints what the trainer would load, as JSON. */
import { parseArgs } from 'node:util';
import { parseParams } from '../core/env';
import { TrainerInputError } from '../core/errors';
import { TASKS, type Task } from '../core/params';
import { inspectDataset } from '../inspect';
import { runEntry } from './run-entry';

runEntry(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { task: { type: 'string', default: 'text-classification' }, params: { type: 'string', default: '{}' } },
  });
  const [dir] = positionals;
  const task = values.task as Task;
  if (dir === undefined || !TASKS.includes(task)) {
    throw new TrainerInputError(`usage: inspect <data-dir> [--task ${TASKS.join('|')}] [--params JSON]`);
  }
  const summary = await inspectDataset(dir, task, parseParams(values.params));
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
});
