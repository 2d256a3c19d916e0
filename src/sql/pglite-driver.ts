import * as fs from "node:fs";

import { DatabaseUnreachableError } from "./errors";
import { textTransactions, type SqlSession } from "./sql-session";

/**
 * PGlite: PostgreSQL in WebAssembly, in this process, its data in a folder. Opening a new
 * folder initialises a cluster (seconds); the caller holds the folder's guard (embedded-guard.ts)
 * since PGlite itself lets a second process open the same folder and corrupt it.
 */
export async function openPglite(dir: string, display: string): Promise<SqlSession> {
  const { PGlite } = await import("@electric-sql/pglite");
  fs.mkdirSync(dir, { recursive: true });
  let db: InstanceType<typeof PGlite>;
  try {
    db = await PGlite.create(dir);
  } catch (error) {
    throw new DatabaseUnreachableError(
      display,
      error instanceof Error ? error.message : String(error),
    );
  }
  const run = (sql: string) => db.query(sql);
  return {
    kind: "pglite",
    dialect: "postgres",
    transactionalDdl: true,
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await db.query<T>(sql, params);
      return {
        rows: result.rows,
        affected: result.affectedRows ?? 0,
        columns: result.fields.map((field) => field.name),
      };
    },
    param: (n) => `$${n}`,
    ...textTransactions(run, "begin transaction read only"),
    async close() {
      await db.close().catch(() => undefined);
    },
  };
}
