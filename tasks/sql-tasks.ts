/**
 * The sql:* tasks: SQL migrations on the checkpoint engine (src/sql). Each task only reads its
 * arguments, calls one plain function of src/sql and prints; runs and reports land under
 * deployments/sql/<database>/, as contract runs land under deployments/<network>/.
 */
import { task } from "hardhat/config";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import { DEFAULT_DATABASE_URL } from "../src/sql/database-url";
import {
  commandOptions,
  failIf,
  finishRun,
  printJson,
  runSqlTask,
  say,
  withStop,
  type SqlTaskArgs,
} from "./sql-output";
import "./aegis-config";

const DEFAULT_DIR = "migrations/sql";

/** The flags every sql:* task takes. */
function withCommonFlags(definition: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return definition
    .addOptionalParam(
      "db",
      `database URL: pglite://<dir>, sqlite://<file>, postgres://…, mysql://… (default ${DEFAULT_DATABASE_URL})`,
    )
    .addOptionalParam("dir", "migrations folder", DEFAULT_DIR)
    .addOptionalParam("target", "version to migrate up to (or roll back to)")
    .addOptionalParam("resume", "the run to resume (or, for sql:rollback, to roll back)")
    .addFlag("json", "print engine events and the result as JSON lines");
}

withCommonFlags(
  task("sql:migrate", "Applies pending SQL migrations, each a checkpointed step"),
).setAction(async (args: SqlTaskArgs, hre) =>
  runSqlTask(async () => {
    const { migrateDatabase } = await import("../src/sql/sql-migrate");
    await withStop(args.json, async (stop) =>
      finishRun(await migrateDatabase(commandOptions(hre, args, stop)), args, "migrate"),
    );
  }),
);

withCommonFlags(
  task(
    "sql:rollback",
    "Undoes the latest migration (or those above --target), or an unfinished run",
  ),
).setAction(async (args: SqlTaskArgs, hre) =>
  runSqlTask(async () => {
    const { rollbackDatabase } = await import("../src/sql/sql-rollback");
    await withStop(args.json, async (stop) =>
      finishRun(await rollbackDatabase(commandOptions(hre, args, stop)), args, "rollback"),
    );
  }),
);

withCommonFlags(
  task("sql:status", "Shows applied and pending migrations, drift and runs"),
).setAction(async (args: SqlTaskArgs, hre) =>
  runSqlTask(async () => {
    const { databaseStatus } = await import("../src/sql/sql-status");
    const status = await databaseStatus(commandOptions(hre, args));
    if (args.json) {
      printJson(status);
    } else {
      say(
        false,
        `${status.database}: ${status.applied.length} applied, ${status.pending.length} pending`,
      );
      for (const row of status.applied) {
        say(
          false,
          `  ✔ ${(row.version ?? row.migration_key).padEnd(10)} ${row.script}  ${row.installed_at} by ${row.installed_by} (${row.duration_ms} ms, run ${row.run_id})`,
        );
      }
      for (const item of status.pending)
        say(false, `  · ${item.key.padEnd(10)} ${item.file}  pending`);
      for (const d of status.drift)
        say(false, `  ✖ ${d.file} changed since applied: ${d.applied} -> ${d.now}`);
      for (const run of status.runs) {
        if (run.readable)
          say(
            false,
            `  run ${run.runId}  ${run.stepsDone}/${run.stepsTotal} steps  ${run.standing}${run.unfinished ? "  [UNFINISHED]" : ""}`,
          );
      }
    }
    failIf(status.drift.length > 0);
  }),
);

withCommonFlags(
  task("sql:validate", "Checks applied files for drift and re-runs their validations (read-only)"),
).setAction(async (args: SqlTaskArgs, hre) =>
  runSqlTask(async () => {
    const { validateDatabase } = await import("../src/sql/sql-validate");
    const found = await validateDatabase(commandOptions(hre, args));
    if (args.json) printJson(found);
    else {
      for (const d of found.drift)
        say(false, `  ✖ ${d.file} changed since applied: ${d.applied} -> ${d.now}`);
      for (const v of found.verdicts) {
        say(false, `  ${v.verdict === "stop" ? "✖" : "✔"} V${v.version} ${v.name}: ${v.summary}`);
      }
      say(false, found.ok ? `${found.database}: valid` : `${found.database}: NOT valid`);
    }
    failIf(!found.ok);
  }),
);

withCommonFlags(
  task("sql:baseline", "Adopts an existing database at a version (or from Flyway's history)"),
)
  .addFlag("fromFlyway", "adopt exactly what flyway_schema_history says is applied")
  .setAction(async (args: SqlTaskArgs & { fromFlyway: boolean }, hre) =>
    runSqlTask(async () => {
      const { baselineDatabase } = await import("../src/sql/sql-baseline");
      const outcome = await baselineDatabase({
        ...commandOptions(hre, args),
        fromFlyway: args.fromFlyway,
      });
      finishRun(outcome, args, "baseline");
    }),
  );

withCommonFlags(
  task("sql:plan", "Shows what sql:migrate would run, in a read-only transaction"),
).setAction(async (args: SqlTaskArgs, hre) =>
  runSqlTask(async () => {
    const { previewMigrations } = await import("../src/sql/sql-preview");
    const preview = await previewMigrations(commandOptions(hre, args));
    if (args.json) {
      printJson(preview);
      return;
    }
    say(
      false,
      `${preview.database}: ${preview.migrations.length} pending (read-only: ${preview.readOnly})`,
    );
    for (const m of preview.migrations) {
      say(
        false,
        `  ${m.file}${m.atomic ? "" : "  [NOT ATOMIC: checkpointed per statement]"}${m.undo ? `  undo ${m.undo}` : "  [no undo]"}`,
      );
      for (const s of m.statements)
        say(false, `    ${String(s.line).padStart(4)}: ${s.sql.split("\n")[0]}`);
      for (const v of m.validations) {
        const now = v.before === undefined ? "" : ` before: ${JSON.stringify(v.before)}`;
        say(
          false,
          `    ✓ ${v.name} (${v.kind})${now}${v.error ? ` (cannot run before: ${v.error})` : ""}`,
        );
      }
    }
  }),
);
