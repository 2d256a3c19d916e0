import * as os from "node:os";

import type { SqlSession } from "./sql-session";

/** The history table's name, in every database this toolkit migrates. */
export const HISTORY_TABLE = "aegis_schema_history";

/** One row of the history: what was applied, from which file, by whom, when, how long, in which run. */
export interface HistoryRow {
  /** The version, or `R__<description>` for a repeatable migration. */
  migration_key: string;
  version: string | null;
  description: string;
  /** sql, ts, repeatable, baseline. */
  kind: string;
  script: string;
  checksum: string;
  installed_by: string;
  installed_at: string;
  duration_ms: number;
  run_id: string;
}

/** Whether a table exists in the session's database (current schema). */
export async function tableExists(session: SqlSession, table: string): Promise<boolean> {
  if (session.dialect === "postgres") {
    const row = (
      await session.query<{ t: string | null }>("select to_regclass($1)::text as t", [table])
    ).rows[0];
    return row?.t !== null && row?.t !== undefined;
  }
  if (session.dialect === "mysql") {
    const rows = await session.query(
      "select 1 from information_schema.tables where table_schema = database() and table_name = ?",
      [table],
    );
    return rows.rows.length > 0;
  }
  const rows = await session.query(
    "select 1 from sqlite_master where type = 'table' and name = ?",
    [table],
  );
  return rows.rows.length > 0;
}

/** Creates the history table if it is missing (MariaDB commits this DDL on its own). */
export async function ensureHistoryTable(session: SqlSession): Promise<void> {
  await session.query(
    `create table if not exists ${HISTORY_TABLE} (` +
      "migration_key varchar(191) primary key, version varchar(50), description varchar(200) not null, " +
      "kind varchar(20) not null, script varchar(255) not null, checksum varchar(64) not null, " +
      "installed_by varchar(100) not null, installed_at varchar(40) not null, duration_ms bigint not null, " +
      "run_id varchar(100) not null)",
  );
}

/** The history, oldest first; empty when the table does not exist yet. */
export async function readHistory(session: SqlSession): Promise<HistoryRow[]> {
  if (!(await tableExists(session, HISTORY_TABLE))) return [];
  const rows = await session.query<HistoryRow>(
    `select * from ${HISTORY_TABLE} order by installed_at, migration_key`,
  );
  return rows.rows.map((row) => ({ ...row, duration_ms: Number(row.duration_ms) }));
}

/** The history row of one key, read in the caller's transaction. */
export async function historyRowOf(
  session: SqlSession,
  key: string,
): Promise<HistoryRow | undefined> {
  if (!(await tableExists(session, HISTORY_TABLE))) return undefined;
  const rows = await session.query<HistoryRow>(
    `select * from ${HISTORY_TABLE} where migration_key = ${session.param(1)}`,
    [key],
  );
  return rows.rows[0];
}

/** Who applies a migration, as the history records it. */
export function installedBy(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

/** Writes (or, for a repeatable re-applied, replaces) a history row. */
export async function writeHistoryRow(session: SqlSession, row: HistoryRow): Promise<void> {
  await session.query(`delete from ${HISTORY_TABLE} where migration_key = ${session.param(1)}`, [
    row.migration_key,
  ]);
  const columns = Object.keys(row) as Array<keyof HistoryRow>;
  await session.query(
    `insert into ${HISTORY_TABLE} (${columns.join(", ")}) values (${columns.map((_, i) => session.param(i + 1)).join(", ")})`,
    columns.map((column) => row[column]),
  );
}

/** Removes a migration's history row (its undo ran). */
export async function deleteHistoryRow(session: SqlSession, key: string): Promise<void> {
  await session.query(`delete from ${HISTORY_TABLE} where migration_key = ${session.param(1)}`, [
    key,
  ]);
}
