import { DatabaseAuthError, DatabaseUnreachableError } from "./errors";
import { textTransactions, type SqlSession } from "./sql-session";

/** mysql2's codes for refused credentials. */
const AUTH_CODES = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR"]);

/**
 * A MariaDB/MySQL session through `mysql2`. DDL commits implicitly there (and ends an open
 * transaction), so a migration on it is not atomic: the plan checkpoints each statement.
 */
export async function openMysql(url: string, display: string): Promise<SqlSession> {
  const mysql = await import("mysql2/promise");
  let connection: Awaited<ReturnType<typeof mysql.createConnection>>;
  try {
    connection = await mysql.createConnection({
      uri: url,
      connectTimeout: 5_000,
      multipleStatements: false,
      // Big integers come back as strings rather than rounded numbers.
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    const message = error instanceof Error ? error.message : String(error);
    if (AUTH_CODES.has(code)) throw new DatabaseAuthError(display, message);
    throw new DatabaseUnreachableError(display, message);
  }
  connection.on("error", () => undefined);
  const run = (sql: string) => connection.query(sql);
  return {
    kind: "mysql",
    dialect: "mysql",
    transactionalDdl: false,
    async query<T>(sql: string, params: unknown[] = []) {
      const [result, fields] = await connection.query(sql, params);
      if (Array.isArray(result)) {
        return {
          rows: result as T[],
          affected: 0,
          columns: (fields ?? []).map((field) => field.name),
        };
      }
      return {
        rows: [],
        affected: (result as { affectedRows?: number }).affectedRows ?? 0,
        columns: [],
      };
    },
    param: () => "?",
    ...textTransactions(run, "start transaction read only"),
    async close() {
      await connection.end().catch(() => undefined);
    },
  };
}
