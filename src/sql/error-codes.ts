/**
 * The registry of the SQL side's error codes (`AEGIS-E4xx`): a readable name for each code,
 * each code used by exactly one AegisError class (src/sql/errors.ts). Code that tells errors
 * apart compares against these constants, never against a string literal; a code is never
 * reused for another meaning. test/core/error-registry.test.ts checks this registry with the
 * core's and the EVM side's.
 */
export const SQL_ERROR_CODES = {
  // connection URLs and servers
  INVALID_DATABASE_URL: "AEGIS-E400",
  DATABASE_UNREACHABLE: "AEGIS-E401",
  DATABASE_AUTH_FAILED: "AEGIS-E402",
  DATABASE_IN_USE: "AEGIS-E403",
  // migration files
  MIGRATION_DIR_MISSING: "AEGIS-E410",
  MALFORMED_MIGRATION_NAME: "AEGIS-E411",
  DUPLICATE_MIGRATION_VERSION: "AEGIS-E412",
  MIGRATION_VERSION_GAP: "AEGIS-E413",
  UNDO_WITHOUT_FORWARD: "AEGIS-E414",
  INVALID_VALIDATIONS: "AEGIS-E415",
  INVALID_TS_MIGRATION: "AEGIS-E416",
  UNTERMINATED_STATEMENT: "AEGIS-E417",
  // applying
  STATEMENT_FAILED: "AEGIS-E420",
  VALIDATION_FAILED: "AEGIS-E421",
  MIGRATION_DRIFT: "AEGIS-E422",
  UNKNOWN_TARGET_VERSION: "AEGIS-E423",
  NO_UNDO_SCRIPT: "AEGIS-E424",
  STATEMENT_OUTCOME_UNKNOWN: "AEGIS-E425",
  OUT_OF_ORDER_MIGRATION: "AEGIS-E426",
  // history and adoption
  ALREADY_BASELINED: "AEGIS-E430",
  FLYWAY_HISTORY_MISSING: "AEGIS-E431",
  NOTHING_TO_ROLL_BACK: "AEGIS-E432",
  UNFINISHED_SQL_RUN: "AEGIS-E433",
} as const;
