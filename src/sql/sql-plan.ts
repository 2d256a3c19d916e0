import { performance } from "node:perf_hooks";

import type { ReconcilePort } from "../core/effect-types";
import type { Plan, Step, VerifyResult } from "../core/plan-types";
import type { DatabaseUrl } from "./database-url";
import { StatementOutcomeUnknownError } from "./errors";
import {
  deleteHistoryRow,
  historyRowOf,
  installedBy,
  writeHistoryRow,
  type HistoryRow,
} from "./history-table";
import type {
  MigrationScript,
  MigrationSet,
  RepeatableMigration,
  VersionedMigration,
} from "./migration-loader";
import { runScript, runStatement, statementsOf } from "./run-script";
import {
  measureBefore,
  runValidations,
  type ValidationVerdict,
  type ValidationsBefore,
} from "./run-validations";
import type { SqlSession } from "./sql-session";
import type { ValidationSpec } from "./validation-spec";

/** One migration a plan applies or undoes, as its hash input records it. */
export interface PlannedMigration {
  /** The version, or R__<description> for a repeatable. */
  key: string;
  file: string;
  checksum: string;
  undoFile?: string;
  undoChecksum?: string;
  validations: ValidationSpec[];
  /** False on MariaDB/MySQL: DDL commits on its own, so the migration is checkpointed per statement. */
  atomic: boolean;
}

/** What decides what a SQL plan does (journaled: a resume rebuilds the plan from it). */
export interface SqlPlanInput {
  command: "migrate" | "rollback";
  database: { kind: string; display: string; key: string };
  migrations: PlannedMigration[];
}

/** What a migration's forward effect returns (and its verify reads). */
export interface ApplyOutcome {
  committed: boolean;
  /** Set when the history already had it (another run applied it while this one waited). */
  alreadyApplied?: boolean;
  verdicts: ValidationVerdict[];
  durationMs: number;
  rows: number;
}

/** The key of a migration in the history table and the plan. */
export function keyOf(migration: VersionedMigration | RepeatableMigration): string {
  return "version" in migration ? migration.version : `R__${migration.description}`;
}

/** A planned migration from the folder's files. */
export function plannedOf(
  migration: VersionedMigration | RepeatableMigration,
  atomic: boolean,
): PlannedMigration {
  const versioned = "version" in migration ? (migration as VersionedMigration) : undefined;
  return {
    key: keyOf(migration),
    file: migration.file,
    checksum: migration.checksum,
    ...(versioned?.undo === undefined
      ? {}
      : { undoFile: versioned.undo.file, undoChecksum: versioned.undo.checksum }),
    validations: versioned?.validations ?? [],
    atomic,
  };
}

/** A step id for a migration key: V2, V1.1, R-refresh_views. */
function stepIdOf(key: string): string {
  return key.startsWith("R__")
    ? `R-${key.slice(3).replace(/[^A-Za-z0-9._-]+/g, "_")}`.slice(0, 60)
    : `V${key}`;
}

interface Resolved {
  planned: PlannedMigration;
  migration: VersionedMigration | RepeatableMigration;
  format: "sql" | "ts";
  undo?: MigrationScript;
}

function resolve(set: MigrationSet, planned: PlannedMigration): Resolved {
  const migration =
    set.versioned.find((m) => m.version === planned.key) ??
    set.repeatable.find((m) => keyOf(m) === planned.key);
  // The hash input names this migration's file: one gone from the folder fails the resume's
  // plan check (AEGIS-E105) before this is reached, but a plan is built before that check.
  const found: VersionedMigration | RepeatableMigration = migration ?? {
    file: planned.file,
    path: "",
    text: "",
    checksum: "",
    description: planned.key,
  };
  const versioned = "version" in found ? (found as VersionedMigration) : undefined;
  return { planned, migration: found, format: versioned?.format ?? "sql", undo: versioned?.undo };
}

function verifyOutcome(outcome: ApplyOutcome | undefined): VerifyResult {
  const verdicts = outcome?.verdicts ?? [];
  const figures: Record<string, unknown> = {};
  for (const verdict of verdicts)
    figures[verdict.name] = { verdict: verdict.verdict, ...verdict.figures };
  figures.durationMs = outcome?.durationMs ?? 0;
  const failed = verdicts.filter((v) => v.verdict === "stop");
  const warned = verdicts.filter((v) => v.verdict === "warn");
  if (failed.length > 0) {
    return {
      verdict: "stop",
      figures,
      message: `validation ${failed.map((v) => `${v.name} failed: ${v.summary}`).join("; ")}; the migration was rolled back`,
    };
  }
  const kept = outcome?.alreadyApplied ? "already applied by another run; nothing done" : undefined;
  const summary = verdicts.map((v) => `${v.name} ${v.summary}`).join("; ");
  return {
    verdict: warned.length > 0 ? "warn" : "go",
    figures,
    message: kept ?? (summary === "" ? `applied in ${outcome?.durationMs ?? 0} ms` : summary),
  };
}

function historyRow(resolved: Resolved, runId: string, durationMs: number): HistoryRow {
  const { migration, planned } = resolved;
  return {
    migration_key: planned.key,
    version: "version" in migration ? migration.version : null,
    description: migration.description,
    kind: "version" in migration ? migration.format : "repeatable",
    script: migration.file,
    checksum: planned.checksum,
    installed_by: installedBy(),
    installed_at: new Date().toISOString(),
    duration_ms: Math.round(durationMs),
    run_id: runId,
  };
}

/** Applies a migration, its validations and its history row in one transaction. */
async function applyAtomically(
  session: SqlSession,
  resolved: Resolved,
  runId: string,
): Promise<ApplyOutcome> {
  const { migration, planned } = resolved;
  await session.begin();
  try {
    // Read under the run's lock: a run that waited for another sees what that one applied.
    const existing = await historyRowOf(session, planned.key);
    if (existing !== undefined && existing.checksum === planned.checksum) {
      await session.rollback();
      return { committed: false, alreadyApplied: true, verdicts: [], durationMs: 0, rows: 0 };
    }
    const before = await measureBefore(session, planned.validations);
    const started = performance.now();
    const rows = await runScript(session, migration, resolved.format, "up");
    const durationMs = performance.now() - started;
    const verdicts = await runValidations(session, planned.validations, before, {
      durationMs,
      rows,
    });
    if (verdicts.some((v) => v.verdict === "stop")) {
      await session.rollback();
      return { committed: false, verdicts, durationMs: Math.round(durationMs), rows };
    }
    await writeHistoryRow(session, historyRow(resolved, runId, durationMs));
    await session.commit();
    return { committed: true, verdicts, durationMs: Math.round(durationMs), rows };
  } catch (error) {
    await session.rollback().catch(() => undefined);
    throw error;
  }
}

/** Runs an undo (U file or down()) and removes the history row, in one transaction. */
async function undoAtomically(
  session: SqlSession,
  resolved: Resolved,
): Promise<{ undone: string }> {
  await session.begin();
  try {
    if ((await historyRowOf(session, resolved.planned.key)) !== undefined) {
      const undo = resolved.undo as MigrationScript;
      await runScript(session, undo, undo.file === resolved.migration.file ? "ts" : "sql", "down");
      await deleteHistoryRow(session, resolved.planned.key);
    }
    await session.commit();
    return { undone: resolved.planned.key };
  } catch (error) {
    await session.rollback().catch(() => undefined);
    throw error;
  }
}

/** The step that applies one migration (and undoes it on rollback). */
function migrationStep(session: SqlSession, resolved: Resolved): Step<ApplyOutcome> {
  const { planned, migration } = resolved;
  const undo = resolved.undo;
  return {
    id: stepIdOf(planned.key),
    title: migration.file,
    phase: "execute",
    changesTarget: true,
    undo:
      undo === undefined
        ? { irreversible: `${migration.file} has no undo script` }
        : planned.atomic
          ? "reversible"
          : { partial: `MariaDB commits each DDL statement: ${undo.file} undoes what ran` },
    describe: () =>
      `apply ${migration.file}${planned.atomic ? " in one transaction" : " statement by statement (not atomic)"}` +
      (planned.validations.length === 0
        ? ""
        : `, then validate ${planned.validations.map((v) => v.name).join(", ")}`),
    describeRollback: () => (undo === undefined ? "nothing to undo" : `run ${undo.file}`),
    run: async (ctx) => {
      if (planned.atomic) {
        return ctx.effect("apply", {
          intent: {
            migration: planned.key,
            file: planned.file,
            checksum: planned.checksum,
            direction: "up",
          },
          apply: () => applyAtomically(session, resolved, ctx.runId),
        });
      }
      // Not atomic: each statement is a checkpoint, so a crash resumes at the next one.
      const existing = await historyRowOf(session, planned.key);
      if (
        existing !== undefined &&
        existing.checksum === planned.checksum &&
        existing.run_id !== ctx.runId
      ) {
        return { committed: false, alreadyApplied: true, verdicts: [], durationMs: 0, rows: 0 };
      }
      const before = await ctx.effect<ValidationsBefore>("before", {
        intent: { migration: planned.key, reads: "validation figures before the migration" },
        apply: () => measureBefore(session, planned.validations),
      });
      const started = performance.now();
      let rows = 0;
      if (resolved.format === "ts") {
        rows += await ctx.effect("s1", {
          intent: { migration: planned.key, statement: 1, line: 1, direction: "up" },
          apply: () => runScript(session, migration, "ts", "up"),
        });
      } else {
        const statements = statementsOf(session, migration);
        for (const [index, statement] of statements.entries()) {
          rows += await ctx.effect(`s${index + 1}`, {
            intent: {
              migration: planned.key,
              statement: index + 1,
              line: statement.line,
              direction: "up",
            },
            apply: () => runStatement(session, migration, statement),
          });
        }
      }
      const durationMs = performance.now() - started;
      const verdicts = await runValidations(session, planned.validations, before, {
        durationMs,
        rows,
      });
      if (verdicts.some((v) => v.verdict === "stop")) {
        return { committed: false, verdicts, durationMs: Math.round(durationMs), rows };
      }
      await ctx.effect("history", {
        intent: { migration: planned.key, checksum: planned.checksum, direction: "record" },
        apply: async () => {
          await writeHistoryRow(session, historyRow(resolved, ctx.runId, durationMs));
          return { migration: planned.key };
        },
      });
      return { committed: true, verdicts, durationMs: Math.round(durationMs), rows };
    },
    verify: ({ result }) => verifyOutcome(result),
    ...(undo === undefined
      ? {}
      : {
          rollback: async (ctx) => {
            // Only what was applied is undone: an atomic migration whose validation failed
            // was rolled back by its own transaction and left nothing.
            const applied = ctx.forwardEffects.some((effect) =>
              planned.atomic
                ? effect.key === "apply" &&
                  (effect.status !== "applied" ||
                    (effect.outcome as ApplyOutcome | undefined)?.committed === true)
                : effect.key !== "before" && effect.status !== "not-applied",
            );
            if (!applied) return { undone: null };
            if (planned.atomic) {
              return ctx.effect("undo", {
                intent: { migration: planned.key, file: undo.file, direction: "down" },
                apply: () => undoAtomically(session, resolved),
              });
            }
            return undoStatementWise(session, resolved, ctx.effect.bind(ctx));
          },
        }),
  };
}

type EffectFn = <T>(key: string, spec: { intent: unknown; apply: () => Promise<T> }) => Promise<T>;

/** MariaDB's undo: statement by statement, each a checkpoint, then the history row goes. */
async function undoStatementWise(session: SqlSession, resolved: Resolved, effect: EffectFn) {
  const undo = resolved.undo as MigrationScript;
  const key = resolved.planned.key;
  if (undo.file === resolved.migration.file) {
    await effect("u1", {
      intent: { migration: key, statement: 1, line: 1, direction: "down" },
      apply: () => runScript(session, undo, "ts", "down"),
    });
  } else {
    for (const [index, statement] of statementsOf(session, undo).entries()) {
      await effect(`u${index + 1}`, {
        intent: { migration: key, statement: index + 1, line: statement.line, direction: "down" },
        apply: () => runStatement(session, undo, statement),
      });
    }
  }
  await effect("history-delete", {
    intent: { migration: key, direction: "forget" },
    apply: async () => {
      await deleteHistoryRow(session, key);
      return { migration: key };
    },
  });
  return { undone: key };
}

/** A step of a rollback command: undo one applied migration. */
function undoStep(session: SqlSession, resolved: Resolved): Step {
  const { planned } = resolved;
  const undo = resolved.undo as MigrationScript;
  return {
    id: `undo-${stepIdOf(planned.key)}`,
    title: undo.file,
    phase: "execute",
    changesTarget: true,
    undo: { irreversible: `migrate again to re-apply ${planned.file}` },
    describe: () => `undo version ${planned.key} with ${undo.file}`,
    verify: () => ({
      verdict: "go",
      figures: { undone: planned.key },
      message: `undone with ${undo.file}`,
    }),
    run: async (ctx) => {
      if (planned.atomic) {
        return ctx.effect("undo", {
          intent: { migration: planned.key, file: undo.file, direction: "down" },
          apply: () => undoAtomically(session, resolved),
        });
      }
      return undoStatementWise(session, resolved, ctx.effect.bind(ctx));
    },
  };
}

/**
 * The reconcile port: after a crash between an intent and its outcome, the history table says
 * whether a transactional migration (or its undo) committed, since its row is written in the
 * same transaction. A single MariaDB statement cannot be told apart that way: it is reported
 * (AEGIS-E425) for a person to check and undo, never repeated on a guess.
 */
function reconcileWith(session: SqlSession): ReconcilePort {
  return async (effect) => {
    const intent = effect.intent as {
      migration: string;
      checksum?: string;
      direction?: string;
      statement?: number;
      line?: number;
    };
    if (effect.key === "before") return { status: "not-applied" };
    const row = await historyRowOf(session, intent.migration);
    if (effect.key === "apply") {
      return row !== undefined && row.checksum === intent.checksum
        ? {
            status: "applied",
            outcome: { committed: true, verdicts: [], durationMs: row.duration_ms, rows: 0 },
          }
        : { status: "not-applied" };
    }
    if (effect.key === "history") {
      return row !== undefined
        ? { status: "applied", outcome: { migration: intent.migration } }
        : { status: "not-applied" };
    }
    if (effect.key === "undo") {
      return row === undefined
        ? { status: "applied", outcome: { undone: intent.migration } }
        : { status: "not-applied" };
    }
    if (effect.key === "history-delete") {
      return row === undefined
        ? { status: "applied", outcome: { migration: intent.migration } }
        : { status: "not-applied" };
    }
    throw new StatementOutcomeUnknownError(intent.migration, intent.line ?? 0);
  };
}

/** The plan of a migrate or rollback command on one database. */
export function sqlPlan(input: SqlPlanInput, session: SqlSession, set: MigrationSet): Plan {
  const resolved = input.migrations.map((planned) => resolve(set, planned));
  const steps =
    input.command === "migrate"
      ? resolved.map((r) => migrationStep(session, r))
      : resolved.map((r) => undoStep(session, r));
  return {
    id: `sql-${input.command}`,
    title: `${input.database.display}: ${input.command} ${input.migrations.map((m) => m.key).join(", ") || "nothing"}`,
    hashInput: input,
    steps: steps as Step<unknown>[],
    reconcile: reconcileWith(session),
  };
}

/** The plan input of a migrate (pending migrations, in order) or a rollback (newest first). */
export function planInputOf(
  command: SqlPlanInput["command"],
  db: DatabaseUrl,
  migrations: ReadonlyArray<VersionedMigration | RepeatableMigration>,
  atomic: boolean,
): SqlPlanInput {
  return {
    command,
    database: { kind: db.kind, display: db.display, key: db.key },
    migrations: migrations.map((m) => plannedOf(m, atomic)),
  };
}
