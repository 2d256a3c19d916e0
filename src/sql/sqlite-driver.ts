import * as fs from "node:fs";
import * as path from "node:path";

import { DatabaseUnreachableError } from "./errors";
import { textTransactions, type SqlSession } from "./sql-session";
import { sqliteRowHash } from "./content-checksum";

/** A SQLite session through better-sqlite3 (synchronous, in this process). */
export async function openSqlite(file: string, display: string): Promise<SqlSession> {
  const { default: Database } = await import("better-sqlite3");
  let db: InstanceType<typeof Database>;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
  } catch (error) {
    throw new DatabaseUnreachableError(
      display,
      error instanceof Error ? error.message : String(error),
    );
  }
  // SQLite has no hash function: the content checksum's row hash is registered here, and runs
  // inside SQLite's own aggregate, so no row is handed to the caller.
  db.function("aegis_row_hash", { deterministic: true, varargs: true }, sqliteRowHash);
  const run = async (sql: string) => db.exec(sql);
  const transactions = textTransactions(run, "begin");
  return {
    kind: "sqlite",
    dialect: "sqlite",
    transactionalDdl: true,
    async query<T>(sql: string, params: unknown[] = []) {
      const statement = db.prepare(sql);
      if (statement.reader) {
        return {
          rows: statement.all(...params) as T[],
          affected: 0,
          columns: statement.columns().map((column) => column.name),
        };
      }
      return { rows: [], affected: statement.run(...params).changes, columns: [] };
    },
    param: () => "?",
    ...transactions,
    // query_only makes SQLite itself refuse every write for the read-only transaction.
    async begin(options) {
      if (options?.readOnly) db.pragma("query_only = ON");
      await transactions.begin();
    },
    async commit() {
      await transactions.commit();
      db.pragma("query_only = OFF");
    },
    async rollback() {
      await transactions.rollback();
      db.pragma("query_only = OFF");
    },
    async close() {
      try {
        db.close();
      } catch {
        // already closed
      }
    },
  };
}
