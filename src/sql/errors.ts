/**
 * Errors a user meets on the SQL side (`AEGIS-E4xx`). Each names what is wrong (a file and
 * line, a migration version, a database as its redacted display name) and how to fix it; tasks
 * print code, message and hint without a stack trace. No message ever holds a connection URL
 * as given: credentials live in URLs.
 */
import { AegisError } from "../core/errors";
import { SQL_ERROR_CODES } from "./error-codes";

/** The hint for a run id that does not exist, and for where runs are listed. */
export const SQL_STATUS_HINT = "npx hardhat sql:status --db <url> lists the runs of a database";

/** First line of a foreign message, trimmed: messages stay one line. */
export function oneLine(text: string): string {
  return (text.split("\n")[0] ?? "").trim();
}

/** AEGIS-E400: --db is not a connection URL this toolkit understands. */
export class InvalidDatabaseUrlError extends AegisError {
  /** Names what is wrong with the URL, never the URL itself (it may hold a password). */
  constructor(problem: string) {
    super(
      SQL_ERROR_CODES.INVALID_DATABASE_URL,
      `--db is not a usable database URL: ${problem}`,
      "give npx hardhat sql:migrate --db a URL whose scheme is pglite or sqlite (then a path), postgres or mysql (then user@host:port/database)",
    );
  }
}

/** AEGIS-E401: the database server does not answer. */
export class DatabaseUnreachableError extends AegisError {
  /** Names the database (display form) and the driver's reason. */
  constructor(database: string, cause: string) {
    super(
      SQL_ERROR_CODES.DATABASE_UNREACHABLE,
      `database ${database} is unreachable: ${oneLine(cause)}`,
      "check that the server runs, and the host, port and database name of the URL given to npx hardhat sql:migrate --db",
    );
  }
}

/** AEGIS-E402: the server refused the credentials. */
export class DatabaseAuthError extends AegisError {
  /** Names the database (display form) and the server's own message. */
  constructor(database: string, cause: string) {
    super(
      SQL_ERROR_CODES.DATABASE_AUTH_FAILED,
      `database ${database} refused the credentials: ${oneLine(cause)}`,
      "check the user and password in the URL given to npx hardhat sql:migrate --db (or the server's authentication rules)",
    );
  }
}

/** AEGIS-E403: another process has the embedded database (folder or file) open. */
export class DatabaseInUseError extends AegisError {
  /** Names the database file or folder and who holds it. */
  constructor(database: string, holder: string) {
    super(
      SQL_ERROR_CODES.DATABASE_IN_USE,
      `database ${database} is open in another process (${holder})`,
      "an embedded database has one process at a time: wait for the other command to finish",
    );
  }
}

/** AEGIS-E410: the migrations folder does not exist. */
export class MigrationDirMissingError extends AegisError {
  /** Names the folder. */
  constructor(dir: string) {
    super(
      SQL_ERROR_CODES.MIGRATION_DIR_MISSING,
      `migrations folder ${dir} does not exist`,
      "create it, or point npx hardhat sql:migrate --dir at the folder holding V<version>__<description>.sql files",
    );
  }
}

/** AEGIS-E411: a file in the migrations folder is not named as Flyway names migrations. */
export class MalformedMigrationNameError extends AegisError {
  /** Names the file and what is wrong with its name. */
  constructor(file: string, problem: string) {
    super(
      SQL_ERROR_CODES.MALFORMED_MIGRATION_NAME,
      `${file}: ${problem}`,
      "name migrations V<version>__<description>.sql (or .ts), undos U<version>__<description>.sql, repeatables R__<description>.sql; version as 1, 2, 1.1",
    );
  }
}

/** AEGIS-E412: two migrations of one kind share a version. */
export class DuplicateMigrationVersionError extends AegisError {
  /** Names the version and both files. */
  constructor(version: string, first: string, second: string) {
    super(
      SQL_ERROR_CODES.DUPLICATE_MIGRATION_VERSION,
      `version ${version} is used by ${first} and ${second}`,
      "give each migration its own version (rename one of the files)",
    );
  }
}

/** AEGIS-E413: a sequence of whole-number versions skips one. */
export class MigrationVersionGapError extends AegisError {
  /** Names the missing version and the files around it. */
  constructor(missing: string, before: string, after: string) {
    super(
      SQL_ERROR_CODES.MIGRATION_VERSION_GAP,
      `version ${missing} is missing between ${before} and ${after}`,
      "add the missing migration or renumber the later ones (a gap usually means a file was lost in a merge)",
    );
  }
}

/** AEGIS-E414: an undo script has no forward migration of the same version. */
export class UndoWithoutForwardError extends AegisError {
  /** Names the undo file. */
  constructor(file: string, version: string) {
    super(
      SQL_ERROR_CODES.UNDO_WITHOUT_FORWARD,
      `${file} undoes version ${version}, which has no V${version}__ migration`,
      "rename the undo to the version of the migration it undoes, or remove it",
    );
  }
}

/** AEGIS-E415: a validations file cannot be read or declares something unknown. */
export class InvalidValidationsError extends AegisError {
  /** Names the file and the problem. */
  constructor(file: string, problem: string) {
    super(
      SQL_ERROR_CODES.INVALID_VALIDATIONS,
      `${file}: ${problem}`,
      "each validation has a name and one of: rowCount, checksum, orphans, zeroRows, measure (see the README's SQL section)",
    );
  }
}

/** AEGIS-E416: a TypeScript migration does not export an up function. */
export class InvalidTsMigrationError extends AegisError {
  /** Names the file and the problem. */
  constructor(file: string, problem: string) {
    super(
      SQL_ERROR_CODES.INVALID_TS_MIGRATION,
      `${file}: ${problem}`,
      "export async function up(db) (and optionally down(db) and validations) from the migration",
    );
  }
}

/** AEGIS-E417: a statement never ends (an unclosed quote, comment or dollar-quoted body). */
export class UnterminatedStatementError extends AegisError {
  /** Names the file and line where the unclosed construct starts. */
  constructor(file: string, line: number, what: string) {
    super(
      SQL_ERROR_CODES.UNTERMINATED_STATEMENT,
      `${file}:${line}: ${what} is never closed`,
      "close the quote, comment or $tag$ body that starts on that line",
    );
  }
}

/** AEGIS-E420: a statement failed in the database. */
export class StatementFailedError extends AegisError {
  /** Names the file, the line of the failing statement and the database's own message. */
  constructor(
    public readonly file: string,
    public readonly line: number,
    cause: string,
  ) {
    super(
      SQL_ERROR_CODES.STATEMENT_FAILED,
      `${file}:${line}: ${oneLine(cause)}`,
      "fix the statement at that line; a transactional database kept nothing of the migration",
    );
  }
}

/** AEGIS-E421: a validation of a migration failed; the migration was rolled back. */
export class ValidationFailedError extends AegisError {
  /** Names the migration, the validation and the figure that failed. */
  constructor(migration: string, validation: string, figure: string) {
    super(
      SQL_ERROR_CODES.VALIDATION_FAILED,
      `${migration}: validation ${validation} failed (${figure}); the migration was rolled back`,
      "fix the migration's data work (or the validation's expectation), then run again",
    );
  }
}

/** AEGIS-E422: an applied migration's file changed since it was applied. */
export class MigrationDriftError extends AegisError {
  /** Names the file and both checksums. */
  constructor(file: string, version: string, applied: string, now: string) {
    super(
      SQL_ERROR_CODES.MIGRATION_DRIFT,
      `${file} changed after version ${version} was applied: checksum applied ${applied}, file now ${now}`,
      "restore the file as it was applied; put further changes in a new migration",
    );
  }
}

/** AEGIS-E423: --target names a version no migration has. */
export class UnknownTargetVersionError extends AegisError {
  /** Names the version. */
  constructor(version: string) {
    super(
      SQL_ERROR_CODES.UNKNOWN_TARGET_VERSION,
      `--target ${version} is not the version of any migration`,
      "npx hardhat sql:status --db <url> lists the migrations and their versions",
    );
  }
}

/** AEGIS-E424: a migration to roll back has no undo script. */
export class NoUndoScriptError extends AegisError {
  /** Names the version. */
  constructor(version: string) {
    super(
      SQL_ERROR_CODES.NO_UNDO_SCRIPT,
      `version ${version} has no undo (no U${version}__ file, no down in its .ts migration)`,
      "write the undo script beside the migration, then roll back again",
    );
  }
}

/** AEGIS-E425: a statement of a non-transactional migration may or may not have run. */
export class StatementOutcomeUnknownError extends AegisError {
  /** Names the migration and statement. */
  constructor(migration: string, line: number) {
    super(
      SQL_ERROR_CODES.STATEMENT_OUTCOME_UNKNOWN,
      `${migration}:${line}: the session died while this statement ran; MariaDB commits DDL on its own, so it may have run`,
      "look at the table it changes, then undo the migration with npx hardhat sql:rollback",
    );
  }
}

/** AEGIS-E426: a pending migration has a lower version than one already applied. */
export class OutOfOrderMigrationError extends AegisError {
  /** Names the pending and the highest applied version. */
  constructor(file: string, highestApplied: string) {
    super(
      SQL_ERROR_CODES.OUT_OF_ORDER_MIGRATION,
      `${file} is pending but version ${highestApplied} is already applied`,
      "give the new migration a version above the applied ones",
    );
  }
}

/** AEGIS-E430: the database already has a migration history. */
export class AlreadyBaselinedError extends AegisError {
  /** Names the database and how many history rows it has. */
  constructor(database: string, rows: number) {
    super(
      SQL_ERROR_CODES.ALREADY_BASELINED,
      `database ${database} already has a migration history (${rows} row(s))`,
      "a baseline adopts a database once; npx hardhat sql:status --db <url> shows its history",
    );
  }
}

/** AEGIS-E431: --from-flyway on a database without Flyway's history table. */
export class FlywayHistoryMissingError extends AegisError {
  /** Names the database. */
  constructor(database: string) {
    super(
      SQL_ERROR_CODES.FLYWAY_HISTORY_MISSING,
      `database ${database} has no flyway_schema_history table with successful migrations`,
      "adopt it at a version instead: npx hardhat sql:baseline --db <url> --target <version>",
    );
  }
}

/** AEGIS-E432: a rollback has nothing applied to undo. */
export class NothingToRollBackError extends AegisError {
  /** Names the database. */
  constructor(database: string) {
    super(
      SQL_ERROR_CODES.NOTHING_TO_ROLL_BACK,
      `database ${database} has no applied migration above the target to undo`,
      "npx hardhat sql:status --db <url> shows what is applied",
    );
  }
}

/** AEGIS-E433: an earlier run of this database is unfinished. */
export class UnfinishedSqlRunError extends AegisError {
  /** Names the run. */
  constructor(runId: string) {
    super(
      SQL_ERROR_CODES.UNFINISHED_SQL_RUN,
      `run ${runId} of this database is unfinished`,
      `resume it with npx hardhat sql:migrate --db <url> --resume ${runId}, or undo it with npx hardhat sql:rollback --db <url>`,
    );
  }
}
