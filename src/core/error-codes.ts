/**
 * The registry of the checkpoint engine's error codes (`AEGIS-E1xx`): a readable name for each
 * code, each code used by exactly one AegisError class. Error classes pass these constants to
 * `super`, and code that tells errors apart compares against them, never against a string
 * literal. A code is never reused for another meaning: scripts match on it.
 * The EVM's codes (`AEGIS-E3xx`) are in src/evm/error-codes.ts (src/core imports nothing outside
 * src/core); test/core/error-registry.test.ts checks both against every error class.
 */
export const ERROR_CODES = {
  // steps and plans
  STEP_THREW: "AEGIS-E100",
  INVALID_ID: "AEGIS-E101",
  DUPLICATE_STEP_ID: "AEGIS-E102",
  PHASE_ORDER: "AEGIS-E103",
  UNDO_DECLARATION: "AEGIS-E104",
  PLAN_HASH_MISMATCH: "AEGIS-E105",
  INVALID_STEP: "AEGIS-E106",
  INVALID_VERIFY_RESULT: "AEGIS-E107",
  // journal
  JOURNAL_CORRUPT: "AEGIS-E110",
  RUN_NOT_FOUND: "AEGIS-E111",
  NOT_JOURNALABLE: "AEGIS-E112",
  // locks
  LOCK_HELD: "AEGIS-E120",
  LOCK_LOST: "AEGIS-E121",
  LOCK_UNREADABLE: "AEGIS-E122",
  // effects
  DUPLICATE_EFFECT_KEY: "AEGIS-E130",
  EFFECT_UNRECONCILABLE: "AEGIS-E131",
  EFFECT_IN_READ_ONLY_STEP: "AEGIS-E132",
  INVALID_RECONCILE_RESULT: "AEGIS-E133",
  EFFECT_NOT_APPLIED: "AEGIS-E134",
  RECONCILE_FAILED: "AEGIS-E135",
  // outputs and artifacts
  OUTPUT_UNAVAILABLE: "AEGIS-E140",
  ARTIFACT_INTEGRITY: "AEGIS-E141",
  ARTIFACT_NOT_FOUND: "AEGIS-E142",
  // run control
  RUN_NOT_RESUMABLE: "AEGIS-E150",
  VERDICT_STOP: "AEGIS-E151",
  WIPE_REFUSED: "AEGIS-E152",
  ROLLBACK_REFUSED: "AEGIS-E153",
  INVALID_OVERRIDE: "AEGIS-E154",
  RUN_ABANDONED: "AEGIS-E155",
  ABANDON_REFUSED: "AEGIS-E156",
  INVALID_DURATION: "AEGIS-E157",
  // gates
  GATE_CONFIG: "AEGIS-E160",
} as const;
