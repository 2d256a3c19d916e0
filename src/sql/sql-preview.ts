import { assertNoDrift, pendingOf, targetVersion } from "./drift-check";
import { readHistory } from "./history-table";
import { contentChecksum } from "./content-checksum";
import { statementsOf } from "./run-script";
import { prepareCommand, withDatabase, type SqlCommandOptions } from "./sql-command";

/** One pending migration as sql:plan shows it. */
export interface PreviewedMigration {
  key: string;
  file: string;
  atomic: boolean;
  undo?: string;
  statements: Array<{ line: number; sql: string }>;
  validations: Array<{ name: string; kind: string; before?: unknown; error?: string }>;
}

/** What sql:plan shows. */
export interface SqlPreview {
  database: string;
  migrations: PreviewedMigration[];
  /** How the database enforced read-only: the statement a write would have failed on. */
  readOnly: string;
}

/**
 * sql:plan: the statements and validations a migrate would run, in order, and the figures the
 * validations can measure before the migration, all inside a read-only transaction that the
 * database itself enforces (PostgreSQL and MariaDB: READ ONLY; SQLite: query_only), rolled back
 * at the end. Nothing is created, not even the history table.
 */
export async function previewMigrations(options: SqlCommandOptions): Promise<SqlPreview> {
  const { db, set } = prepareCommand(options);
  const target = targetVersion(set, options.target);
  return withDatabase(db, "sql:plan", options, async (open) => {
    const { session } = open;
    const history = await readHistory(session);
    assertNoDrift(set, history);
    const pending = pendingOf(set, history, target);
    const migrations: PreviewedMigration[] = [];
    await session.begin({ readOnly: true });
    try {
      for (const migration of pending) {
        const versioned = "version" in migration ? migration : undefined;
        const statements =
          versioned?.format === "ts"
            ? [{ line: 1, sql: `up() of ${migration.file}` }]
            : statementsOf(session, migration).map(({ line, sql }) => ({ line, sql }));
        const validations: PreviewedMigration["validations"] = [];
        for (const spec of versioned?.validations ?? []) {
          const kind = Object.keys(spec).find((k) => k !== "name") as string;
          if (!("checksum" in spec)) {
            validations.push({ name: spec.name, kind });
            continue;
          }
          // Each query in its own savepoint: a table the migration creates is not there yet,
          // and PostgreSQL would otherwise abort the whole read-only transaction.
          await session.savepoint("aegis_preview");
          try {
            validations.push({
              name: spec.name,
              kind,
              before: await contentChecksum(session, spec.checksum.before),
            });
          } catch (error) {
            await session.rollbackToSavepoint("aegis_preview");
            validations.push({
              name: spec.name,
              kind,
              error: error instanceof Error ? error.message : String(error),
            });
          }
        }
        migrations.push({
          key: versioned?.version ?? `R__${migration.description}`,
          file: migration.file,
          atomic: session.transactionalDdl,
          ...(versioned?.undo === undefined ? {} : { undo: versioned.undo.file }),
          statements,
          validations,
        });
      }
    } finally {
      await session.rollback();
    }
    return { database: db.display, migrations, readOnly: readOnlyMode(session.dialect) };
  });
}

function readOnlyMode(dialect: string): string {
  if (dialect === "sqlite") return "PRAGMA query_only = ON";
  if (dialect === "mysql") return "START TRANSACTION READ ONLY";
  return "BEGIN TRANSACTION READ ONLY";
}
