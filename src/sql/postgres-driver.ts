import { DatabaseAuthError, DatabaseUnreachableError } from "./errors";
import { textTransactions, type SqlSession } from "./sql-session";

/** SQLSTATEs of refused credentials (invalid password, invalid authorization). */
const AUTH_STATES = new Set(["28P01", "28000"]);

/** A PostgreSQL session through `pg`, connected or refused with a coded error. */
export async function openPostgres(url: string, display: string): Promise<SqlSession> {
  const { Client } = await import("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A server that goes away later must not crash the process with an unhandled 'error' event:
  // the next query fails and says so.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code ?? "";
    const message = error instanceof Error ? error.message : String(error);
    if (AUTH_STATES.has(code)) throw new DatabaseAuthError(display, message);
    throw new DatabaseUnreachableError(display, message);
  }
  const run = (sql: string) => client.query(sql);
  return {
    kind: "postgres",
    dialect: "postgres",
    transactionalDdl: true,
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await client.query(sql, params);
      return {
        rows: result.rows as T[],
        affected: result.command === "SELECT" ? 0 : (result.rowCount ?? 0),
        columns: (result.fields ?? []).map((field) => field.name),
      };
    },
    param: (n) => `$${n}`,
    ...textTransactions(run, "begin transaction read only"),
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}
