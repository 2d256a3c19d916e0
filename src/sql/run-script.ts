import { StatementFailedError } from "./errors";
import { loadTsMigration, type MigrationScript } from "./migration-loader";
import type { SqlSession } from "./sql-session";
import { splitStatements, type SqlStatement } from "./statement-splitter";

/** The statements of a SQL script in this database's dialect, each with its line. */
export function statementsOf(session: SqlSession, script: MigrationScript): SqlStatement[] {
  return splitStatements(script.text, script.file, session.dialect);
}

/**
 * Runs one statement; a database error becomes AEGIS-E420 naming the file, the line where the
 * error is (the statement's line, moved down to the error's position when the server gives
 * one) and the database's own message.
 */
export async function runStatement(
  session: SqlSession,
  script: MigrationScript,
  statement: SqlStatement,
): Promise<number> {
  try {
    return (await session.query(statement.sql)).affected;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = Number((error as { position?: string }).position ?? 0);
    const line =
      position > 0
        ? statement.line + (statement.sql.slice(0, position - 1).match(/\n/g)?.length ?? 0)
        : statement.line;
    throw new StatementFailedError(script.file, line, message);
  }
}

/** Runs a whole script forward (or a .ts migration's up/down); returns the rows it changed. */
export async function runScript(
  session: SqlSession,
  script: MigrationScript,
  format: "sql" | "ts",
  direction: "up" | "down",
): Promise<number> {
  if (format === "ts") {
    const module = loadTsMigration(script);
    const run = direction === "up" ? module.up : module.down;
    try {
      await run?.(session);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The line of the migration file in the stack, when ts-node maps it.
      const escaped = script.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const line = Number(
        new RegExp(`${escaped}:(\\d+)`).exec((error as Error)?.stack ?? "")?.[1] ?? 1,
      );
      throw new StatementFailedError(script.file, line, message);
    }
    return 0;
  }
  let rows = 0;
  for (const statement of statementsOf(session, script))
    rows += await runStatement(session, script, statement);
  return rows;
}
