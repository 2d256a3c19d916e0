import type { Plan } from "../core/plan-types";
import { runPlan } from "../core/run-plan";
import { targetVersion } from "./drift-check";
import { AlreadyBaselinedError, FlywayHistoryMissingError, MigrationDriftError } from "./errors";
import { flywayChecksum } from "./flyway-checksum";
import {
  ensureHistoryTable,
  installedBy,
  readHistory,
  tableExists,
  writeHistoryRow,
  type HistoryRow,
} from "./history-table";
import type { MigrationSet } from "./migration-loader";
import { compareVersions, normalizeVersion } from "./migration-name";
import type { SqlSession } from "./sql-session";
import {
  outcomeOf,
  prepareCommand,
  withDatabase,
  type SqlCommandOptions,
  type SqlRunOutcome,
} from "./sql-command";

/** One version a baseline records as applied. */
interface AdoptedRow {
  key: string;
  version: string | null;
  description: string;
  script: string;
  /** Our checksum of the file here; empty when the folder has no file of that version. */
  checksum: string;
}

/** Flyway's successful migrations, read from its own table. */
async function flywayRows(session: SqlSession, database: string) {
  if (!(await tableExists(session, "flyway_schema_history")))
    throw new FlywayHistoryMissingError(database);
  const rows = await session.query<{
    version: string | null;
    description: string;
    script: string;
    checksum: unknown;
    type: string;
  }>(
    "select version, description, script, checksum, type from flyway_schema_history where success = " +
      (session.dialect === "postgres" ? "true" : "1") +
      " order by installed_rank",
  );
  if (rows.rows.length === 0) throw new FlywayHistoryMissingError(database);
  return rows.rows;
}

/**
 * What --from-flyway adopts: each version Flyway applied, checked against the file here with
 * Flyway's own checksum (a file changed since Flyway applied it is drift, AEGIS-E422), and the
 * repeatables at their current checksum.
 */
async function fromFlyway(
  session: SqlSession,
  set: MigrationSet,
  database: string,
): Promise<AdoptedRow[]> {
  const adopted: AdoptedRow[] = [];
  for (const row of await flywayRows(session, database)) {
    if (row.type === "BASELINE" && row.version !== null) {
      // Flyway's own baseline marker: every file up to it counts as applied.
      const upTo = normalizeVersion(row.version);
      for (const m of set.versioned.filter((m) => compareVersions(m.version, upTo) <= 0)) {
        adopted.push({
          key: m.version,
          version: m.version,
          description: m.description,
          script: m.file,
          checksum: m.checksum,
        });
      }
      continue;
    }
    const version = row.version === null ? null : normalizeVersion(row.version);
    const file =
      version === null
        ? set.repeatable.find((m) => m.file === row.script)
        : set.versioned.find((m) => m.version === version);
    const flyway = row.checksum === null ? undefined : Number(row.checksum);
    if (file !== undefined && flyway !== undefined && flywayChecksum(file.text) !== flyway) {
      throw new MigrationDriftError(
        file.file,
        version ?? "R",
        `flyway ${flyway}`,
        `flyway ${flywayChecksum(file.text)}`,
      );
    }
    adopted.push({
      key: version ?? `R__${file?.description ?? row.description}`,
      version,
      description: row.description,
      script: file?.file ?? row.script,
      checksum: file?.checksum ?? "",
    });
  }
  return adopted;
}

/**
 * sql:baseline: adopts a database whose schema exists already, recording versions as applied
 * without running them: up to --target (default the latest file), or, --from-flyway, exactly
 * those Flyway's history says it applied. Refused once the database has a history.
 */
export async function baselineDatabase(
  options: SqlCommandOptions & { fromFlyway?: boolean },
): Promise<SqlRunOutcome> {
  const { db, set, baseDir } = prepareCommand(options);
  const target = targetVersion(set, options.target) ?? set.versioned.at(-1)?.version;
  return withDatabase(db, "sql:baseline", options, async (open) => {
    const { session } = open;
    const locker = await open.holdRunLock("sql:baseline");
    const history = await readHistory(session);
    if (history.length > 0) throw new AlreadyBaselinedError(db.display, history.length);
    const rows: AdoptedRow[] = options.fromFlyway
      ? await fromFlyway(session, set, db.display)
      : set.versioned
          .filter((m) => target !== undefined && compareVersions(m.version, target) <= 0)
          .map((m) => ({
            key: m.version,
            version: m.version,
            description: m.description,
            script: m.file,
            checksum: m.checksum,
          }));
    const plan: Plan = {
      id: "sql-baseline",
      title: `${db.display}: adopt ${rows.length} version(s)`,
      hashInput: {
        database: { kind: db.kind, display: db.display, key: db.key },
        fromFlyway: options.fromFlyway === true,
        rows,
      },
      steps: [
        {
          id: "adopt",
          phase: "execute",
          changesTarget: true,
          undo: {
            irreversible: "a baseline only writes history rows; delete them by hand to undo",
          },
          describe: () => `record ${rows.map((r) => r.key).join(", ")} as applied`,
          run: (ctx) =>
            ctx.effect("adopt", {
              intent: { versions: rows.map((r) => r.key) },
              apply: async () => {
                await ensureHistoryTable(session);
                await session.begin();
                try {
                  for (const row of rows)
                    await writeHistoryRow(session, historyRowOf(row, ctx.runId));
                  await session.commit();
                } catch (error) {
                  await session.rollback().catch(() => undefined);
                  throw error;
                }
                return { adopted: rows.map((r) => r.key) };
              },
            }),
        },
      ],
      reconcile: async () => {
        const written = await readHistory(session);
        return written.length > 0
          ? { status: "applied", outcome: { adopted: written.map((r) => r.migration_key) } }
          : { status: "not-applied" };
      },
    };
    return outcomeOf(
      db,
      await runPlan({ plan, baseDir, targetKey: db.key, locker, onEvent: options.onEvent }),
      options,
    );
  });
}

function historyRowOf(row: AdoptedRow, runId: string): HistoryRow {
  return {
    migration_key: row.key,
    version: row.version,
    description: row.description,
    kind: "baseline",
    script: row.script,
    checksum: row.checksum,
    installed_by: installedBy(),
    installed_at: new Date().toISOString(),
    duration_ms: 0,
    run_id: runId,
  };
}
