import { inspect } from "node:util";
import { isAegisError } from "../src/core/errors";
import { redactString } from "../src/core/redaction";

/**
 * Runs a task's body and turns any AEGIS error into the house format: one line with the code and
 * the message, one line with the hint, no stack trace, and a non-zero exit code. Whatever is
 * printed passes the URL rule (redactString): a foreign library's message may quote a URL.
 */
export async function runTask<T>(body: () => Promise<T>): Promise<T | undefined> {
  try {
    return await body();
  } catch (error) {
    if (isAegisError(error)) {
      console.error(redactString(`${error.code} ${error.message}\n  hint: ${error.hint}`));
    } else {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      console.error(
        redactString(
          `AEGIS-E000 unexpected error: ${message}\n  hint: this is a bug in the toolkit; rerun with --verbose and report the stack trace`,
        ),
      );
      if (process.argv.includes("--verbose")) console.error(redactString(inspect(error)));
    }
    process.exitCode = 1;
    return undefined;
  }
}
