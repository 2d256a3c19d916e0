import * as path from "node:path";

import { isAegisError, type AegisError } from "../../../src/core/errors";
import { parseDatabaseUrl } from "../../../src/sql/database-url";
import { readHistory } from "../../../src/sql/history-table";
import { openDatabase } from "../../../src/sql/open-database";
import type { SqlCommandOptions } from "../../../src/sql/sql-command";

/** The repository's example migrations. */
export const EXAMPLES = path.resolve(__dirname, "../../../migrations/sql");

/** A command's options for one test's folder and database. */
export function optionsOf(
  root: string,
  dbUrl: string,
  dir: string,
  extra: Partial<SqlCommandOptions> = {},
): SqlCommandOptions {
  return { dbUrl, root, dir, runsRoot: path.join(root, "deployments", "sql"), ...extra };
}

/** The AEGIS error a promise rejects with (fails the test when it resolves or throws another). */
export async function rejection(promise: Promise<unknown>): Promise<AegisError> {
  try {
    await promise;
  } catch (error) {
    if (isAegisError(error)) return error;
    throw error;
  }
  throw new Error("expected an AEGIS error, but the command succeeded");
}

/** Runs a few queries on a database (opened and closed around them). */
export async function inspect<T>(
  root: string,
  dbUrl: string,
  body: (query: (sql: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  const open = await openDatabase(parseDatabaseUrl(dbUrl, root), { purpose: "test" });
  try {
    return await body(async (sql) => (await open.session.query(sql)).rows);
  } finally {
    await open.close();
  }
}

/** The versions in a database's history. */
export async function appliedVersions(root: string, dbUrl: string): Promise<Array<string | null>> {
  const open = await openDatabase(parseDatabaseUrl(dbUrl, root), { purpose: "test" });
  try {
    return (await readHistory(open.session)).map((row) => row.version);
  } finally {
    await open.close();
  }
}
