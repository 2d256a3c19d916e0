import { isAegisError } from "../src/core/errors";

/**
 * Runs a task's body and turns any AEGIS error into the house format: one line with the code and
 * the message, one line with the hint, no stack trace, and a non-zero exit code.
 */
export async function runTask<T>(body: () => Promise<T>): Promise<T | undefined> {
  try {
    return await body();
  } catch (error) {
    if (isAegisError(error)) {
      console.error(`${error.code} ${error.message}\n  hint: ${error.hint}`);
    } else {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      console.error(
        `AEGIS-E000 unexpected error: ${message}\n  hint: this is a bug in the toolkit; rerun with --verbose and report the stack trace`,
      );
      if (process.argv.includes("--verbose")) console.error(error);
    }
    process.exitCode = 1;
    return undefined;
  }
}
