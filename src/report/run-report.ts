import type { EffectScope, EffectState } from "../core/effect-types";
import type { ErrorRecord } from "../core/errors";
import { journalValuesEqual } from "../core/json-codec";
import type { Phase } from "../core/phases";
import type { Verdict } from "../core/plan-types";
import type {
  RunState,
  RunStatus,
  StepRollbackStatus,
  StepState,
  StepStatus,
} from "../core/run-state";
import type { Awaiting } from "../core/wait-signal";
import { collectFindings, type DescribedFinding } from "./review-findings";

/**
 * The report of a run, built only from its folded journal: the same journal always gives the
 * same report (no clock, no environment). Its JSON form is documented in SCHEMA.md; bump
 * REPORT_SCHEMA_VERSION on any change a consumer could notice.
 */
export const REPORT_SCHEMA_VERSION = 1;

/** A step as reported. */
export interface ReportStep {
  id: string;
  shortId: string;
  title?: string;
  phase: Phase;
  changesTarget: boolean;
  undo: "reversible" | "partial" | "irreversible";
  undoWhy?: string;
  description?: string;
  status: StepStatus;
  attempts: number;
  durationMs?: number;
  verdict?: Verdict;
  verifyMessage?: string;
  verifyDurationMs?: number;
  figures?: Record<string, unknown>;
  overridden?: { reason: string; at: string };
  output?: unknown;
  error?: ErrorRecord;
  awaiting?: Awaiting;
  effectsApplied: number;
  artifacts: Array<{ name: string; path: string; sha256: string; bytes: number }>;
  rollback: {
    status: StepRollbackStatus;
    durationMs?: number;
    error?: ErrorRecord;
    skipped?: string;
  };
}

/** A figure reported as { before, after } (or a gate's baseline and actual). */
export interface BeforeAfter {
  step: string;
  figure: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

/** An effect as reported under "what changed". */
export interface ReportChange {
  step: string;
  scope: EffectScope;
  key: string;
  status: EffectState["status"];
  attempts: number;
  intent: unknown;
  notes: unknown[];
  outcome?: unknown;
  resolvedBy?: "apply" | "reconcile";
  at: string;
}

/** The report of a run (schema version 1). */
export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: "aegis-run-report";
  run: {
    runId: string;
    planId: string;
    planTitle?: string;
    planHash: string;
    targetKey: string;
    dryRun: boolean;
    status: RunStatus;
    startedAt: string;
    updatedAt: string;
    endedAt?: string;
    sessions: number;
    journalLines: number;
    /** Sum of the steps' run, verify and rollback durations (excludes waiting). */
    activeMs: number;
  };
  steps: ReportStep[];
  beforeAfter: BeforeAfter[];
  changes: ReportChange[];
  notFullyReversible: Array<{
    step: string;
    undo: "partial" | "irreversible";
    why: string;
    executed: boolean;
  }>;
  rollback?: {
    reason: string;
    status: string;
    startedAt: string;
    endedAt?: string;
    steps: string[];
    cause?: { step: string; error: ErrorRecord };
  };
  failure?: { step: string; scope: EffectScope; error: ErrorRecord; at: string };
  awaiting?: Awaiting & { step: string };
  interruptions?: RunState["interruptions"];
  abandoned?: NonNullable<RunState["abandoned"]>;
  review: DescribedFinding[];
}

/** Builds the report of a run from its state. */
export function buildRunReport(state: RunState): RunReport {
  const steps = state.steps.map(reportStep);
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: "aegis-run-report",
    run: {
      runId: state.runId,
      planId: state.planId,
      ...(state.planTitle === undefined ? {} : { planTitle: state.planTitle }),
      planHash: state.planHash,
      targetKey: state.targetKey,
      dryRun: state.dryRun,
      status: state.status,
      startedAt: state.startedAt,
      updatedAt: state.updatedAt,
      ...(state.endedAt === undefined ? {} : { endedAt: state.endedAt }),
      sessions: state.sessions.length,
      journalLines: state.lastSeq,
      activeMs: round(
        state.steps.reduce(
          (sum, step) =>
            sum +
            (step.durationMs ?? 0) +
            (step.verification?.durationMs ?? 0) +
            (step.rollback.durationMs ?? 0),
          0,
        ),
      ),
    },
    steps,
    beforeAfter: state.steps.flatMap(beforeAfterOf),
    // Forward effects in plan order, then rollback effects in the order the rollback ran.
    changes: [
      ...state.steps.flatMap((step) => step.effects.map((effect) => changeOf(step, effect))),
      ...(state.rollback?.steps ?? []).flatMap((id) => {
        const step = state.steps[state.stepIndex[id] ?? -1];
        return step ? step.rollback.effects.map((effect) => changeOf(step, effect)) : [];
      }),
    ],
    notFullyReversible: state.steps.flatMap((step) => {
      if (!step.changesTarget || step.undo === "reversible") return [];
      const partial = "partial" in step.undo;
      return [
        {
          step: step.id,
          undo: partial ? ("partial" as const) : ("irreversible" as const),
          why: "partial" in step.undo ? step.undo.partial : step.undo.irreversible,
          executed:
            step.status === "completed" || step.status === "stopped" || step.effects.length > 0,
        },
      ];
    }),
    review: collectFindings(state),
  };
  if (state.rollback) {
    report.rollback = {
      reason: state.rollback.reason,
      status: state.rollback.status,
      startedAt: state.rollback.startedAt,
      ...(state.rollback.endedAt === undefined ? {} : { endedAt: state.rollback.endedAt }),
      steps: state.rollback.steps,
      ...(state.rollback.cause === undefined
        ? {}
        : { cause: { step: state.rollback.cause.step, error: state.rollback.cause.error } }),
    };
  }
  if (state.failure) report.failure = { ...state.failure };
  if (state.status === "waiting" && state.awaiting) {
    const { scope: _scope, ...awaiting } = state.awaiting;
    report.awaiting = awaiting;
  }
  if (state.interruptions.length > 0) report.interruptions = state.interruptions;
  if (state.abandoned) report.abandoned = state.abandoned;
  return report;
}

function reportStep(step: StepState): ReportStep {
  const undo =
    step.undo === "reversible" ? "reversible" : "partial" in step.undo ? "partial" : "irreversible";
  const out: ReportStep = {
    id: step.id,
    shortId: step.shortId,
    phase: step.phase,
    changesTarget: step.changesTarget,
    undo,
    status: step.status,
    attempts: step.attempts,
    effectsApplied: step.effects.filter((effect) => effect.status === "applied").length,
    artifacts: step.artifacts.map(({ name, path, sha256, bytes }) => ({
      name,
      path,
      sha256,
      bytes,
    })),
    rollback: { status: step.rollback.status },
  };
  if (step.title !== undefined) out.title = step.title;
  if (typeof step.undo === "object")
    out.undoWhy = "partial" in step.undo ? step.undo.partial : step.undo.irreversible;
  if (step.description !== undefined) out.description = step.description;
  if (step.durationMs !== undefined) out.durationMs = step.durationMs;
  if (step.verification) {
    out.verdict = step.verification.verdict;
    if (step.verification.message !== undefined) out.verifyMessage = step.verification.message;
    out.verifyDurationMs = step.verification.durationMs;
    out.figures = step.verification.figures;
  }
  if (step.overridden) out.overridden = step.overridden;
  if (step.hasOutput && step.output !== undefined) out.output = step.output;
  if (step.error) out.error = step.error;
  if (step.awaiting) out.awaiting = step.awaiting;
  if (step.rollback.durationMs !== undefined) out.rollback.durationMs = step.rollback.durationMs;
  if (step.rollback.error) out.rollback.error = step.rollback.error;
  if (step.rollback.skipped) {
    out.rollback.skipped =
      step.rollback.skipped.why === undefined
        ? step.rollback.skipped.reason
        : `${step.rollback.skipped.reason}: ${step.rollback.skipped.why}`;
  }
  return out;
}

/** Figures shaped { before, after } (at any depth up to 3) and threshold gates' baseline/actual. */
function beforeAfterOf(step: StepState): BeforeAfter[] {
  const figures = step.verification?.figures;
  if (!figures) return [];
  const out: BeforeAfter[] = [];
  const visit = (value: unknown, name: string, depth: number) => {
    if (!isPlainObject(value)) return;
    if ("before" in value && "after" in value) {
      out.push({
        step: step.id,
        figure: name,
        before: value.before,
        after: value.after,
        changed: !journalValuesEqual(value.before, value.after),
      });
      return;
    }
    if (value.kind === "threshold" && "baseline" in value && "actual" in value) {
      out.push({
        step: step.id,
        figure: name,
        before: value.baseline,
        after: value.actual,
        changed: !journalValuesEqual(value.baseline, value.actual),
      });
      return;
    }
    if (depth >= 3) return;
    for (const [key, inner] of Object.entries(value))
      visit(inner, name ? `${name}.${key}` : key, depth + 1);
  };
  visit(figures, "", 0);
  return out;
}

function changeOf(step: StepState, effect: EffectState): ReportChange {
  const change: ReportChange = {
    step: step.id,
    scope: effect.scope,
    key: effect.key,
    status: effect.status,
    attempts: effect.attempts,
    intent: effect.intent,
    notes: effect.notes,
    at: effect.intentAt,
  };
  if (effect.outcome !== undefined) change.outcome = effect.outcome;
  if (effect.resolvedBy !== undefined) change.resolvedBy = effect.resolvedBy;
  return change;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
