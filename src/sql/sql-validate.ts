import { driftOf } from "./drift-check";
import { readHistory } from "./history-table";
import { runValidations, type ValidationVerdict } from "./run-validations";
import { prepareCommand, withDatabase, type SqlCommandOptions } from "./sql-command";

/** What sql:validate found. */
export interface SqlValidation {
  database: string;
  drift: ReturnType<typeof driftOf>;
  verdicts: Array<ValidationVerdict & { version: string }>;
  ok: boolean;
}

/**
 * sql:validate: checks the applied files against the history (drift) and re-runs, in a
 * read-only transaction the database enforces, the validations of applied migrations that can
 * run at any time (row counts, orphans,
 * zero-row rules).
 */
export async function validateDatabase(options: SqlCommandOptions): Promise<SqlValidation> {
  const { db, set } = prepareCommand(options);
  return withDatabase(db, "sql:validate", options, async (open) => {
    const { session } = open;
    const history = await readHistory(session);
    const drift = driftOf(set, history);
    const verdicts: SqlValidation["verdicts"] = [];
    await session.begin({ readOnly: true });
    try {
      for (const row of history) {
        const migration = set.versioned.find((m) => m.version === row.version);
        if (migration === undefined) continue;
        // A checksum compares the data before the migration with after it, and a measure its
        // timing: both only mean something during its run.
        const specs = migration.validations.filter(
          (spec) => !("measure" in spec) && !("checksum" in spec),
        );
        for (const verdict of await runValidations(session, specs, {}, undefined)) {
          verdicts.push({ ...verdict, version: migration.version });
        }
      }
    } finally {
      await session.rollback();
    }
    const ok = drift.length === 0 && verdicts.every((v) => v.verdict !== "stop");
    return { database: db.display, drift, verdicts, ok };
  });
}
