/**
 * A problem with what the trainer was given (environment, parameters, dataset), as opposed to a bug or a
 * crash. The command exits with code 2 for these so a backend can tell "fix your data" from "try again".
 */
export class TrainerInputError extends Error {
  override readonly name = 'TrainerInputError';
}

/** Exit codes of the trainer commands. */
export const EXIT_INPUT_ERROR = 2;
export const EXIT_FAILURE = 1;
