import { EXIT_FAILURE, EXIT_INPUT_ERROR, TrainerInputError } from '../core/errors';

/**
 * Runs a command's main and sets the exit code: 2 with a one-line message for bad input (environment,
 * parameters, dataset, model folder), 1 with the stack for anything else.
 */
export function runEntry(main: () => Promise<void>, onFailure?: (message: string) => void): void {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    onFailure?.(message);
    if (err instanceof TrainerInputError) {
      console.error(`error: ${message}`);
      process.exitCode = EXIT_INPUT_ERROR;
    } else {
      console.error(err);
      process.exitCode = EXIT_FAILURE;
    }
  });
}
