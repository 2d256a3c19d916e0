import { ERROR_CODES } from "../core/error-codes";
import { EXIT_CODES, type ExitCode } from "../core/exit-codes";
import type { RunOutcome } from "../core/run-options";
import { SQL_ERROR_CODES } from "./error-codes";

/** Codes of input the tool cannot use, or a server it cannot reach: exit code 2. */
const UNUSABLE = new Set<string>([
  SQL_ERROR_CODES.INVALID_DATABASE_URL,
  SQL_ERROR_CODES.DATABASE_UNREACHABLE,
  SQL_ERROR_CODES.DATABASE_AUTH_FAILED,
  SQL_ERROR_CODES.MIGRATION_DIR_MISSING,
  SQL_ERROR_CODES.MALFORMED_MIGRATION_NAME,
  SQL_ERROR_CODES.DUPLICATE_MIGRATION_VERSION,
  SQL_ERROR_CODES.MIGRATION_VERSION_GAP,
  SQL_ERROR_CODES.UNDO_WITHOUT_FORWARD,
  SQL_ERROR_CODES.INVALID_VALIDATIONS,
  SQL_ERROR_CODES.INVALID_TS_MIGRATION,
  SQL_ERROR_CODES.UNTERMINATED_STATEMENT,
  SQL_ERROR_CODES.UNKNOWN_TARGET_VERSION,
  ERROR_CODES.RUN_NOT_FOUND,
]);

/** The exit code of an error a SQL command threw: 2 for unusable input, 1 for a refusal. */
export function exitCodeOfError(code: string | undefined): ExitCode {
  return code !== undefined && UNUSABLE.has(code) ? EXIT_CODES.unusable : EXIT_CODES.failed;
}

/** The exit code of how a run ended. */
export function exitCodeOfRun(status: RunOutcome | "nothing-to-do"): ExitCode {
  if (status === "completed" || status === "dry-run" || status === "nothing-to-do")
    return EXIT_CODES.done;
  if (status === "waiting" || status === "interrupted") return EXIT_CODES.resumable;
  return EXIT_CODES.failed;
}
