import { evaluateGate } from "../core/gates";
import type { Verdict } from "../core/plan-types";
import { contentChecksum, sourceOf, type ContentChecksum } from "./content-checksum";
import type { SqlSession } from "./sql-session";
import type { ValidationSpec } from "./validation-spec";

/** A validation's verdict with the figures it compared. */
export interface ValidationVerdict {
  name: string;
  kind: string;
  verdict: Verdict;
  figures: Record<string, unknown>;
  /** One line naming the figure: `counts: users 3 vs user_preferences 2`. */
  summary: string;
}

/** What the validations measure before a migration's statements run (checksums "before"). */
export type ValidationsBefore = Record<string, ContentChecksum>;

/** What the run measured while applying the migration, for `measure` validations. */
export interface Measured {
  durationMs: number;
  rows: number;
}

async function countOf(session: SqlSession, tableOrQuery: string): Promise<number> {
  const row = (
    await session.query<{ n: unknown }>(
      `select count(*) as n from ${sourceOf(tableOrQuery)} aegis_c`,
    )
  ).rows[0];
  return Number(row?.n ?? 0);
}

/** Runs the parts of the validations that look at the database before the migration. */
export async function measureBefore(
  session: SqlSession,
  specs: readonly ValidationSpec[],
): Promise<ValidationsBefore> {
  const before: ValidationsBefore = {};
  for (const spec of specs) {
    if ("checksum" in spec)
      before[spec.name] = await contentChecksum(session, spec.checksum.before);
  }
  return before;
}

/** Whether a validation can run before its migration (nothing it reads is created by it). */
export function runsBeforeMigration(spec: ValidationSpec): boolean {
  return "checksum" in spec;
}

/**
 * Runs the validations after the migration's statements, in its transaction: each compares its
 * figures and says go or stop (a measure may say warn).
 */
export async function runValidations(
  session: SqlSession,
  specs: readonly ValidationSpec[],
  before: ValidationsBefore,
  measured: Measured | undefined,
): Promise<ValidationVerdict[]> {
  const verdicts: ValidationVerdict[] = [];
  for (const spec of specs) verdicts.push(await runOne(session, spec, before, measured));
  return verdicts;
}

async function runOne(
  session: SqlSession,
  spec: ValidationSpec,
  before: ValidationsBefore,
  measured: Measured | undefined,
): Promise<ValidationVerdict> {
  const { name } = spec;
  if ("rowCount" in spec) {
    const left = await countOf(session, spec.rowCount.left);
    const right =
      spec.rowCount.right === undefined
        ? (spec.rowCount.equals as number)
        : await countOf(session, spec.rowCount.right);
    const ok = left === right;
    return {
      name,
      kind: "rowCount",
      verdict: ok ? "go" : "stop",
      figures: { left, right },
      summary: `row count ${left} ${ok ? "=" : "!="} ${right}`,
    };
  }
  if ("checksum" in spec) {
    const was = before[name] ?? (await contentChecksum(session, spec.checksum.before));
    const now = await contentChecksum(session, spec.checksum.after ?? spec.checksum.before);
    const ok = was.rows === now.rows && was.sum === now.sum;
    return {
      name,
      kind: "checksum",
      verdict: ok ? "go" : "stop",
      figures: {
        rows: { before: was.rows, after: now.rows },
        checksum: { before: was.sum, after: now.sum },
      },
      summary: ok
        ? `content checksum kept (${now.rows} rows)`
        : `content checksum ${was.sum} (${was.rows} rows) -> ${now.sum} (${now.rows} rows)`,
    };
  }
  if ("orphans" in spec) {
    const { child, column, parent, parentColumn = "id" } = spec.orphans;
    const orphans = await countOf(
      session,
      `select 1 from ${child} c where c.${column} is not null and not exists (select 1 from ${parent} p where p.${parentColumn} = c.${column})`,
    );
    return {
      name,
      kind: "orphans",
      verdict: orphans === 0 ? "go" : "stop",
      figures: { orphans },
      summary: `${orphans} row(s) of ${child}.${column} without ${parent}.${parentColumn}`,
    };
  }
  if ("zeroRows" in spec) {
    const rows = await countOf(session, spec.zeroRows);
    return {
      name,
      kind: "zeroRows",
      verdict: rows === 0 ? "go" : "stop",
      figures: { rows },
      summary: `${rows} row(s) break the rule`,
    };
  }
  const { figure, worse, baseline, acceptable, critical } = spec.measure;
  const actual =
    measured === undefined
      ? 0
      : figure === "durationMs"
        ? Math.round(measured.durationMs)
        : Math.round((measured.rows * 1000) / Math.max(1, measured.durationMs));
  const gate = evaluateGate(
    {
      metric: figure,
      worse: worse ?? (figure === "durationMs" ? "higher" : "lower"),
      baseline,
      acceptable,
      critical,
    },
    actual,
  );
  return {
    name,
    kind: "measure",
    verdict: gate.verdict,
    figures: { [figure]: gate },
    summary: `${figure} ${actual} (acceptable ${acceptable}, critical ${critical})`,
  };
}
