import { trainersCommand } from '../trainer-process';

/** The command that runs the default trainers in trainers/ (chosen by RETRAIN_TASK). */
export function defaultTrainerCommand(): string[] {
  return trainersCommand('train');
}
