/**
 * What every task's exit code says, the same for each kind: CI reads these, so a run that
 * leaves work behind is never 0.
 */
export const EXIT_CODES = {
  /** Done: the run completed (or the check passed, or the requested rollback succeeded). */
  done: 0,
  /** The run failed, was rolled back after a failure, or a safety check refused it. */
  failed: 1,
  /** The tool could not run: bad input, an unreachable server, missing build output. */
  unusable: 2,
  /** The run waits or was interrupted: resume it (or roll it back). */
  resumable: 3,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
