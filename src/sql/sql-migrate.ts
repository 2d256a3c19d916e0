import * as fs from "node:fs";

import { RunNotFoundError } from "../core/errors";
import { findBlockingRuns } from "../core/list-runs";
import { loadRun } from "../core/load-run";
import { resumeRun } from "../core/resume-run";
import { runPlan } from "../core/run-plan";
import { runDirOf } from "../core/run-paths";
import { assertNoDrift, pendingOf, targetVersion } from "./drift-check";
import { SQL_STATUS_HINT, UnfinishedSqlRunError } from "./errors";
import { ensureHistoryTable, readHistory } from "./history-table";
import type { MigrationSet, RepeatableMigration, VersionedMigration } from "./migration-loader";
import { keyOf, planInputOf, sqlPlan, type SqlPlanInput } from "./sql-plan";
import {
  engineOptionsOf,
  outcomeOf,
  prepareCommand,
  withDatabase,
  type SqlCommandOptions,
  type SqlRunOutcome,
} from "./sql-command";

/** The migrations a journaled plan input names, read again from the folder (for a resume). */
export function migrationsOfInput(
  set: MigrationSet,
  input: SqlPlanInput,
): Array<VersionedMigration | RepeatableMigration> {
  const all = [...set.versioned, ...set.repeatable];
  return input.migrations.map((planned) => {
    const found = all.find((m) => keyOf(m) === planned.key);
    // A migration gone from the folder: keep its journaled shape, so the plan check names it.
    return (
      found ?? {
        file: planned.file,
        path: "",
        text: "",
        checksum: "(file missing)",
        description: planned.key,
      }
    );
  });
}

/** The plan input a run journaled (AEGIS-E111 when there is no such run). */
export function journaledInput(baseDir: string, runId: string): SqlPlanInput {
  const runDir = runDirOf(baseDir, runId);
  if (!fs.existsSync(runDir)) throw new RunNotFoundError(runDir, SQL_STATUS_HINT);
  return loadRun(runDir).state.hashInput as SqlPlanInput;
}

/**
 * sql:migrate: applies pending migrations (up to --target), each a checkpointed step, or
 * resumes a run (--resume). Refuses before doing anything: a drifted file, an unfinished run of
 * this database, another run holding its lock.
 */
export async function migrateDatabase(options: SqlCommandOptions): Promise<SqlRunOutcome> {
  const { db, set, baseDir } = prepareCommand(options);
  const target = targetVersion(set, options.target);
  return withDatabase(db, "sql:migrate", options, async (open) => {
    const engine = await engineOptionsOf(open, "sql:migrate", db, baseDir, options);
    const atomic = open.session.transactionalDdl;
    if (options.resume !== undefined) {
      const journaled = journaledInput(baseDir, options.resume);
      const input = planInputOf("migrate", db, migrationsOfInput(set, journaled), atomic);
      const plan = sqlPlan(input, open.session, set);
      return outcomeOf(db, await resumeRun({ ...engine, plan, runId: options.resume }), options);
    }
    // Under the lock: an unfinished run here is not in progress elsewhere, it is waiting for a person.
    const blocking = findBlockingRuns(baseDir, db.key)[0];
    if (blocking !== undefined) throw new UnfinishedSqlRunError(blocking.runId);
    const history = await readHistory(open.session);
    assertNoDrift(set, history);
    const pending = pendingOf(set, history, target);
    if (pending.length === 0) return { status: "nothing-to-do", database: db.display };
    await ensureHistoryTable(open.session);
    const plan = sqlPlan(planInputOf("migrate", db, pending, atomic), open.session, set);
    return outcomeOf(db, await runPlan({ ...engine, plan, autoRollback: true }), options);
  });
}
