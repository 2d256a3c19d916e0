import type { DatabaseKind } from "./database-url";
import type { SqlDialect } from "./statement-splitter";

/** What a statement returned: rows for a query, the rows it changed for the others. */
export interface QueryResult<T = Record<string, unknown>> {
  rows: T[];
  /** Rows inserted, updated or deleted (0 for a query or DDL). */
  affected: number;
  /** Column names of the result, in order. */
  columns: string[];
}

/**
 * The one port every driver implements: one session on one database. Parameters are written
 * `$1, $2` in PostgreSQL and PGlite and `?` in MariaDB and SQLite; `param(n)` spells the n-th.
 */
export interface SqlSession {
  readonly kind: DatabaseKind;
  readonly dialect: SqlDialect;
  /** Whether DDL runs inside a transaction (PostgreSQL, PGlite, SQLite) or commits on its own. */
  readonly transactionalDdl: boolean;
  /** Runs one statement. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** The placeholder of the n-th parameter (1-based). */
  param(n: number): string;
  /** Starts a transaction; a read-only one is enforced by the database itself. */
  begin(options?: { readOnly?: boolean }): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  savepoint(name: string): Promise<void>;
  rollbackToSavepoint(name: string): Promise<void>;
  /** Ends the session; never throws. */
  close(): Promise<void>;
}

/** BEGIN / COMMIT / ROLLBACK / SAVEPOINT as SQL, shared by the drivers that speak them as text. */
export function textTransactions(
  run: (sql: string) => Promise<unknown>,
  readOnlyBegin: string,
): Pick<SqlSession, "begin" | "commit" | "rollback" | "savepoint" | "rollbackToSavepoint"> {
  return {
    begin: async (options) => void (await run(options?.readOnly ? readOnlyBegin : "begin")),
    commit: async () => void (await run("commit")),
    rollback: async () => void (await run("rollback")),
    savepoint: async (name) => void (await run(`savepoint ${name}`)),
    rollbackToSavepoint: async (name) => void (await run(`rollback to savepoint ${name}`)),
  };
}
