import { shortHash } from "../core/plan-hash";
import type { Verdict } from "../core/plan-types";
import type { BeforeAfter, ReportChange, ReportStep, RunReport } from "./run-report";

/**
 * Renders a run report as Markdown for a reviewer: what ran, each checkpoint's verdict and
 * figures, what changed on the target, what cannot be undone, and what deserves a look.
 * Deterministic: the same report always renders to the same text.
 */
export function renderMarkdownReport(report: RunReport): string {
  const { run } = report;
  const out: string[] = [];
  out.push(`# Run ${run.runId}`);
  out.push("");
  out.push("| | |");
  out.push("|---|---|");
  out.push(`| Plan | \`${run.planId}\`${run.planTitle ? ` — ${cell(run.planTitle)}` : ""} |`);
  out.push(`| Plan hash | \`${run.planHash}\` (${shortHash(run.planHash)}) |`);
  out.push(`| Status | **${run.status}**${run.dryRun ? " (dry run: nothing was changed)" : ""} |`);
  out.push(`| Target | \`${run.targetKey}\` |`);
  out.push(`| Started | ${run.startedAt} |`);
  out.push(`| Ended | ${run.endedAt ?? "not yet"} |`);
  out.push(`| Sessions | ${run.sessions} (journal: ${run.journalLines} lines) |`);
  out.push(`| Active time | ${formatDuration(run.activeMs)} |`);
  out.push("");

  if (report.failure) {
    const { failure } = report;
    out.push(
      `> **${failure.scope === "rollback" ? "Rollback failed" : "Blocked"} at ${failure.step}:** ` +
        `${failure.error.code} ${inline(failure.error.message)}  `,
    );
    out.push(`> hint: ${inline(failure.error.hint)}`);
    out.push("");
  }
  if (report.awaiting) {
    const { awaiting } = report;
    out.push(
      `> **Waiting at ${awaiting.step}:** ${inline(awaiting.reason)}` +
        `${awaiting.until ? ` (until ${awaiting.until})` : ""}. Resume the run once it is met.`,
    );
    out.push("");
  }

  for (const interruption of report.interruptions ?? []) {
    const where =
      interruption.step === undefined ? " while waiting" : ` before ${interruption.step}`;
    const during = interruption.mode === "rollback" ? " during the rollback" : "";
    out.push(
      `> **Interrupted (${inline(interruption.reason)})${during}${where}** at ${interruption.at}: the session stopped at a safe point, nothing in flight.`,
    );
    out.push("");
  }
  if (report.abandoned) {
    const observed = Object.entries(report.abandoned.observed)
      .map(([name, value]) => `${name} ${formatValue(value)}`)
      .join(", ");
    out.push(
      `> **Abandoned** at ${report.abandoned.at}: ${inline(report.abandoned.reason)}. The target then: ${inline(observed)}.`,
    );
    out.push("");
  }

  out.push("## Steps");
  out.push("");
  out.push("| # | Step | Phase | Status | Verdict | Key figures | Duration |");
  out.push("|---:|---|---|---|---|---|---:|");
  report.steps.forEach((step, index) => {
    out.push(
      `| ${index + 1} | ${stepName(step)} | ${step.phase} | ${statusText(step)} | ${verdictText(step)} | ` +
        `${cell(keyFigures(step))} | ${step.durationMs === undefined ? "" : formatDuration(step.durationMs + (step.verifyDurationMs ?? 0))} |`,
    );
  });
  out.push("");

  if (report.beforeAfter.length > 0) {
    out.push("## Before and after");
    out.push("");
    out.push("| Step | Figure | Before | After | Changed |");
    out.push("|---|---|---|---|---|");
    for (const row of report.beforeAfter) out.push(beforeAfterRow(row));
    out.push("");
  }

  out.push("## What changed");
  out.push("");
  const forward = report.changes.filter((change) => change.scope === "run");
  const backward = report.changes.filter((change) => change.scope === "rollback");
  if (forward.length === 0)
    out.push(report.run.dryRun ? "Nothing (dry run)." : "No effect was applied to the target.");
  for (const change of forward) out.push(changeLine(change));
  out.push("");

  if (report.rollback) {
    const { rollback } = report;
    out.push("## Rollback");
    out.push("");
    out.push(
      `Reason: ${rollback.reason}${rollback.cause ? ` (${rollback.cause.step}: ${rollback.cause.error.code})` : ""}; ` +
        `status: **${rollback.status}**.`,
    );
    out.push("");
    out.push("| Step | Rollback | Duration |");
    out.push("|---|---|---:|");
    for (const id of rollback.steps) {
      const step = report.steps.find((candidate) => candidate.id === id);
      if (!step) continue;
      const detail = step.rollback.skipped
        ? ` (${cell(step.rollback.skipped)})`
        : step.rollback.error
          ? ` (${step.rollback.error.code})`
          : "";
      out.push(
        `| ${stepName(step)} | ${step.rollback.status}${detail} | ` +
          `${step.rollback.durationMs === undefined ? "" : formatDuration(step.rollback.durationMs)} |`,
      );
    }
    out.push("");
    if (backward.length > 0) {
      out.push("Rollback effects:");
      out.push("");
      for (const change of backward) out.push(changeLine(change));
      out.push("");
    }
  }

  out.push("## Cannot be fully undone");
  out.push("");
  if (report.notFullyReversible.length === 0)
    out.push("Every step that changes the target can be rolled back.");
  for (const item of report.notFullyReversible) {
    out.push(
      `- **${item.step}** — ${item.undo}: ${inline(item.why)}${item.executed ? " (executed in this run)" : " (not executed)"}`,
    );
  }
  out.push("");

  out.push("## What a reviewer should look at");
  out.push("");
  if (report.review.length === 0)
    out.push("Nothing unusual: every checkpoint said go and no recovery was needed.");
  for (const finding of report.review) {
    out.push(`- ${severityMark(finding.severity)} ${inline(finding.message)}  `);
    out.push(`  ${inline(finding.hint)}`);
  }
  out.push("");
  return out.join("\n");
}

function stepName(step: ReportStep): string {
  return `\`${step.shortId}\`${step.title ? ` ${cell(step.title)}` : ""}`;
}

function statusText(step: ReportStep): string {
  if (step.status === "skipped")
    return `skipped${step.description ? `: would ${cell(step.description.replace(/^would\s+/i, ""))}` : ""}`;
  const retries = step.attempts > 1 ? ` (${step.attempts} attempts)` : "";
  const error = step.error ? ` ${step.error.code}` : "";
  const rolledBack = step.rollback.status === "rolled-back" ? ", rolled back" : "";
  return `${step.status}${error}${retries}${rolledBack}`;
}

function verdictText(step: ReportStep): string {
  if (!step.verdict) return "";
  const marks: Record<Verdict, string> = { go: "✔ go", warn: "⚠ warn", stop: "✖ stop" };
  return `${marks[step.verdict]}${step.overridden ? " (overridden)" : ""}`;
}

/** The first few figures of a step, each shown in its most telling form. */
function keyFigures(step: ReportStep): string {
  const figures = step.figures;
  if (!figures) return step.verifyMessage ?? "";
  const parts: string[] = [];
  for (const [name, value] of Object.entries(figures).slice(0, 3)) {
    if (isRecord(value) && "before" in value && "after" in value) {
      parts.push(`${name} ${formatValue(value.before)} → ${formatValue(value.after)}`);
    } else if (isRecord(value) && value.kind === "threshold") {
      parts.push(
        `${name} ${formatValue(value.actual)} (${String(value.verdict)}; acceptable ${formatValue(value.acceptable)}, critical ${formatValue(value.critical)})`,
      );
    } else if (isRecord(value) && value.kind === "exact") {
      parts.push(
        `${name} ${formatValue(value.actual)} (${String(value.verdict)}; expected ${formatValue(value.expected)})`,
      );
    } else {
      parts.push(`${name} ${formatValue(value)}`);
    }
  }
  const more = Object.keys(figures).length > 3 ? ` (+${Object.keys(figures).length - 3} more)` : "";
  const message = step.verifyMessage ? `${step.verifyMessage}; ` : "";
  return `${message}${parts.join("; ")}${more}`;
}

function beforeAfterRow(row: BeforeAfter): string {
  return (
    `| \`${row.step.slice(row.step.indexOf("#") + 1)}\` | ${cell(row.figure)} | ${cell(formatValue(row.before))} | ` +
    `${cell(formatValue(row.after))} | ${row.changed ? "**yes**" : "no"} |`
  );
}

function changeLine(change: ReportChange): string {
  const outcome = change.outcome === undefined ? "" : ` → ${code(formatValue(change.outcome))}`;
  const via = change.resolvedBy === "reconcile" ? " (confirmed by reconciliation)" : "";
  const attempts = change.attempts > 1 ? ` (${change.attempts} intents)` : "";
  return `- \`${change.step}\` ${change.key}: **${change.status}**${attempts}${via} — intent ${code(formatValue(change.intent))}${outcome}`;
}

function severityMark(severity: "info" | "warning" | "critical"): string {
  return severity === "critical"
    ? "✖ **critical**"
    : severity === "warning"
      ? "⚠ **warning**"
      : "ℹ info";
}

/** A compact, deterministic text for any journaled value. */
export function formatValue(value: unknown, limit = 120): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "bigint") text = value.toString();
  else if (value === undefined) text = "—";
  else {
    text =
      JSON.stringify(value, (_key, inner: unknown) => {
        if (typeof inner === "bigint") return inner.toString();
        if (inner instanceof Uint8Array) return `0x${Buffer.from(inner).toString("hex")}`;
        return inner;
      }) ?? String(value);
  }
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** Formats milliseconds for people: 850 ms, 1.2 s, 3 min 4 s. */
export function formatDuration(ms: number): string {
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function code(text: string): string {
  return `\`${inline(text).replace(/`/g, "'")}\``;
}

function cell(text: string): string {
  return inline(text).replace(/\|/g, "\\|");
}

function inline(text: string): string {
  return text.replace(/\r?\n/g, " ");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
