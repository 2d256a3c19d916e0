import { listRuns, type RunSummary } from "../core/list-runs";
import { driftOf, pendingOf } from "./drift-check";
import { readHistory, type HistoryRow } from "./history-table";
import { prepareCommand, withDatabase, type SqlCommandOptions } from "./sql-command";

/** Where a database stands: applied, pending, drifted, and its runs. */
export interface SqlStatus {
  database: string;
  applied: HistoryRow[];
  pending: Array<{ key: string; file: string }>;
  drift: Array<{ file: string; version: string; applied: string; now: string }>;
  runs: RunSummary[];
}

/** sql:status: reads the history and the folder; changes nothing. */
export async function databaseStatus(options: SqlCommandOptions): Promise<SqlStatus> {
  const { db, set, baseDir } = prepareCommand(options);
  return withDatabase(db, "sql:status", options, async (open) => {
    const history = await readHistory(open.session);
    const drift = driftOf(set, history);
    let pending: SqlStatus["pending"] = [];
    try {
      pending = pendingOf(set, history, undefined).map((m) => ({
        key: "version" in m ? m.version : `R__${m.description}`,
        file: m.file,
      }));
    } catch {
      // An out-of-order file is shown by migrate with its own code; status still reports the rest.
    }
    const runs = listRuns(baseDir).filter((run) => !run.readable || run.targetKey === db.key);
    return { database: db.display, applied: history, pending, drift, runs };
  });
}
