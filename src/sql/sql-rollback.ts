import { listRuns } from "../core/list-runs";
import { rollbackRun } from "../core/rollback-run";
import { runPlan } from "../core/run-plan";
import { assertNoDrift, targetVersion } from "./drift-check";
import { NoUndoScriptError, NothingToRollBackError } from "./errors";
import { readHistory } from "./history-table";
import { compareVersions } from "./migration-name";
import { planInputOf, sqlPlan } from "./sql-plan";
import { journaledInput, migrationsOfInput } from "./sql-migrate";
import {
  engineOptionsOf,
  outcomeOf,
  prepareCommand,
  withDatabase,
  type SqlCommandOptions,
  type SqlRunOutcome,
} from "./sql-command";

/**
 * sql:rollback. An unfinished run of this database (failed, interrupted, crashed) is rolled
 * back by the engine: each applied step's undo, last first. Otherwise applied migrations above
 * --target (default: the latest one only) are undone with their undo scripts, newest first, as a
 * run of their own.
 */
export async function rollbackDatabase(options: SqlCommandOptions): Promise<SqlRunOutcome> {
  const { db, set, baseDir } = prepareCommand(options);
  const target = targetVersion(set, options.target);
  return withDatabase(db, "sql:rollback", options, async (open) => {
    const engine = await engineOptionsOf(open, "sql:rollback", db, baseDir, options);
    const atomic = open.session.transactionalDdl;
    const unfinished = listRuns(baseDir).filter(
      (run) => run.readable && run.targetKey === db.key && run.unfinished,
    );
    const last = options.resume ?? unfinished.at(-1)?.runId;
    if (last !== undefined) {
      const journaled = journaledInput(baseDir, last);
      const input = planInputOf(journaled.command, db, migrationsOfInput(set, journaled), atomic);
      const plan = sqlPlan(input, open.session, set);
      return outcomeOf(db, await rollbackRun({ ...engine, plan, runId: last }), options);
    }
    const history = await readHistory(open.session);
    assertNoDrift(set, history);
    const applied = history
      .flatMap((row) => (row.version === null ? [] : [row.version]))
      .sort(compareVersions)
      .reverse();
    const undo =
      target === undefined
        ? applied.slice(0, 1)
        : applied.filter((v) => compareVersions(v, target) > 0);
    if (undo.length === 0) throw new NothingToRollBackError(db.display);
    const migrations = undo.map((version) => {
      const migration = set.versioned.find((m) => m.version === version);
      if (migration?.undo === undefined) throw new NoUndoScriptError(version);
      return migration;
    });
    const plan = sqlPlan(planInputOf("rollback", db, migrations, atomic), open.session, set);
    return outcomeOf(db, await runPlan({ ...engine, plan, autoRollback: false }), options);
  });
}
