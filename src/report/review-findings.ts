import type { EffectScope } from "../core/effect-types";
import { ERROR_CODES } from "../core/error-codes";
import type { ErrorRecord, LockOwner } from "../core/errors";
import type { RunState } from "../core/run-state";

/**
 * What a reviewer should look at in a run, as data. Every kind has a severity, a message and a
 * hint (describeFinding's switch is exhaustive: a new kind does not compile until it is
 * described).
 */
export type ReviewFinding =
  | { kind: "verdict-warn"; step: string; message?: string }
  | { kind: "verdict-stop"; step: string; message?: string }
  | { kind: "verdict-overridden"; step: string; reason: string }
  | { kind: "step-failed"; step: string; error: ErrorRecord; laterCompleted: boolean }
  | { kind: "rollback-performed"; reason: string; status: string; steps: string[] }
  | { kind: "rollback-failed"; step: string; error: ErrorRecord }
  | { kind: "change-not-undone"; step: string; why?: string }
  | { kind: "partial-undo"; step: string; why: string }
  | { kind: "irreversible-change"; step: string; why: string }
  | {
      kind: "effect-reconciled";
      step: string;
      key: string;
      scope: EffectScope;
      result: "applied" | "not-applied" | "pending";
    }
  | { kind: "effect-outcome-unknown"; step: string; key: string; scope: EffectScope }
  | { kind: "step-wiped"; step: string; reason?: string; discardedEffects: number }
  | { kind: "journal-tail-repaired"; line: number; bytes: number }
  | { kind: "lock-taken-over"; previousOwner: LockOwner; reason: "expired" | "owner-dead" }
  | { kind: "dry-run-skipped"; step: string; description?: string }
  | { kind: "waiting"; step: string; reason: string; until?: string };

/** How much a finding matters to a reviewer. */
export type Severity = "info" | "warning" | "critical";

/** A finding with its severity, message and hint, ready to show. */
export type DescribedFinding = ReviewFinding & {
  severity: Severity;
  message: string;
  hint: string;
};

/** The severity, one-line message and hint of a finding. */
export function describeFinding(finding: ReviewFinding): DescribedFinding {
  const [severity, message, hint] = describe(finding);
  return { ...finding, severity, message, hint };
}

function describe(finding: ReviewFinding): [Severity, string, string] {
  switch (finding.kind) {
    case "verdict-warn":
      return [
        "warning",
        `${finding.step} verified warn${finding.message ? `: ${finding.message}` : ""}`,
        "check the figures against the thresholds; a warn lets the run go on",
      ];
    case "verdict-stop":
      return [
        "critical",
        `${finding.step} verified stop${finding.message ? `: ${finding.message}` : ""}`,
        "the checkpoint failed; the figures show what differed",
      ];
    case "verdict-overridden":
      return [
        "critical",
        `a stop verdict of ${finding.step} was overridden: ${finding.reason}`,
        "confirm the reason justifies going on past a failed checkpoint",
      ];
    case "step-failed":
      return [
        finding.laterCompleted ? "warning" : "critical",
        `${finding.step} failed with ${finding.error.code}: ${finding.error.message}` +
          (finding.laterCompleted ? " (a retry completed it)" : ""),
        finding.error.hint,
      ];
    case "rollback-performed":
      return [
        "critical",
        `the run was rolled back (${finding.reason}), ${finding.status}: ${finding.steps.join(", ") || "no step"}`,
        "check the target is as before the run, except the changes listed as not undone",
      ];
    case "rollback-failed":
      return [
        "critical",
        `the rollback of ${finding.step} failed with ${finding.error.code}: ${finding.error.message}`,
        "the target may be half rolled back; fix the cause and roll back again",
      ];
    case "change-not-undone":
      return [
        "critical",
        `${finding.step} changed the target and cannot be undone${finding.why ? `: ${finding.why}` : ""}`,
        "its changes remain after the rollback; check they are harmless",
      ];
    case "partial-undo":
      return [
        "warning",
        `${finding.step} was rolled back only partially: ${finding.why}`,
        "check what its rollback could not restore",
      ];
    case "irreversible-change":
      return [
        "warning",
        `${finding.step} made a change that cannot be fully undone: ${finding.why}`,
        "this was announced in the plan's preview; check it was intended",
      ];
    case "effect-reconciled":
      return [
        "info",
        `effect ${finding.key} of ${finding.step} (${finding.scope}) was reconciled after an ` +
          `interruption: ${finding.result}`,
        "the engine asked the target instead of repeating the effect; nothing to do unless it looks wrong",
      ];
    case "effect-outcome-unknown":
      return [
        "critical",
        `effect ${finding.key} of ${finding.step} (${finding.scope}) was started but its outcome is unknown`,
        "check the target by hand: the effect may or may not have been applied",
      ];
    case "step-wiped":
      return [
        "warning",
        `${finding.step} was wiped${finding.reason ? ` (${finding.reason})` : ""}, discarding ` +
          `${finding.discardedEffects} journaled effect(s)`,
        "a person decided to forget an attempt; check its effects were not applied twice",
      ];
    case "journal-tail-repaired":
      return [
        "info",
        `a torn journal line (line ${finding.line}, ${finding.bytes} bytes) left by a crash was removed`,
        "expected after a crash; nothing was done on the strength of that line",
      ];
    case "lock-taken-over":
      return [
        "warning",
        `the target's lock was taken over from run ${finding.previousOwner.runId} ` +
          `(pid ${finding.previousOwner.pid} on ${finding.previousOwner.host}, ${finding.reason})`,
        "make sure that run is really gone and did not leave the target half changed",
      ];
    case "dry-run-skipped":
      return [
        "info",
        `${finding.step} was not run (dry run)${finding.description ? `: would ${stripWould(finding.description)}` : ""}`,
        "a real run performs it",
      ];
    case "waiting":
      return [
        "info",
        `${finding.step} is waiting: ${finding.reason}${finding.until ? ` (until ${finding.until})` : ""}`,
        "resume the run once the condition is met",
      ];
  }
}

function stripWould(text: string): string {
  return text.replace(/^would\s+/i, "");
}

/** Collects the findings of a run from its state, in a stable order. */
export function collectFindings(state: RunState): DescribedFinding[] {
  const findings: ReviewFinding[] = [];
  for (const repair of state.journalRepairs) {
    findings.push({ kind: "journal-tail-repaired", line: repair.line, bytes: repair.bytes });
  }
  for (const lock of state.locks) {
    if (lock.event === "taken-over" && lock.previousOwner && lock.reason) {
      findings.push({
        kind: "lock-taken-over",
        previousOwner: lock.previousOwner,
        reason: lock.reason,
      });
    }
  }
  for (const failure of state.failures) {
    if (failure.scope !== "run" || failure.error.code === ERROR_CODES.VERDICT_STOP) continue;
    const step = state.steps[state.stepIndex[failure.step] ?? -1];
    findings.push({
      kind: "step-failed",
      step: failure.step,
      error: failure.error,
      laterCompleted: step?.status === "completed",
    });
  }
  for (const step of state.steps) {
    const verification = step.verification;
    if (verification?.verdict === "warn") {
      findings.push({
        kind: "verdict-warn",
        step: step.id,
        ...optional("message", verification.message),
      });
    }
    if (verification?.verdict === "stop") {
      findings.push({
        kind: "verdict-stop",
        step: step.id,
        ...optional("message", verification.message),
      });
    }
    if (step.overridden)
      findings.push({ kind: "verdict-overridden", step: step.id, reason: step.overridden.reason });
    if (step.skipped) {
      findings.push({
        kind: "dry-run-skipped",
        step: step.id,
        ...optional("description", step.skipped.description),
      });
    }
    for (const effect of [...step.effects, ...step.rollback.effects]) {
      for (const reconciliation of effect.reconciliations) {
        findings.push({
          kind: "effect-reconciled",
          step: step.id,
          key: effect.key,
          scope: effect.scope,
          result: reconciliation.result,
        });
      }
      if (
        effect.status === "failed" ||
        (effect.status === "intent" && state.status !== "waiting")
      ) {
        findings.push({
          kind: "effect-outcome-unknown",
          step: step.id,
          key: effect.key,
          scope: effect.scope,
        });
      }
    }
    const undo = step.undo;
    const why =
      typeof undo === "object" ? ("partial" in undo ? undo.partial : undo.irreversible) : undefined;
    const changed =
      step.changesTarget && (step.status === "completed" || step.status === "stopped");
    if (step.rollback.status === "skipped" && step.rollback.skipped?.reason === "irreversible") {
      findings.push({ kind: "change-not-undone", step: step.id, ...optional("why", why) });
    } else if (changed && why !== undefined) {
      if (step.rollback.status === "rolled-back" && typeof undo === "object" && "partial" in undo) {
        findings.push({ kind: "partial-undo", step: step.id, why });
      } else if (step.rollback.status === "none") {
        findings.push({ kind: "irreversible-change", step: step.id, why });
      }
    }
    if (step.rollback.error)
      findings.push({ kind: "rollback-failed", step: step.id, error: step.rollback.error });
  }
  for (const wipe of state.wipes) {
    findings.push({
      kind: "step-wiped",
      step: wipe.step,
      ...optional("reason", wipe.reason),
      discardedEffects: wipe.discardedEffects.length,
    });
  }
  if (state.rollback) {
    findings.push({
      kind: "rollback-performed",
      reason: state.rollback.reason,
      status: state.rollback.status,
      steps: state.rollback.steps,
    });
  }
  if (state.status === "waiting" && state.awaiting) {
    findings.push({
      kind: "waiting",
      step: state.awaiting.step,
      reason: state.awaiting.reason,
      ...optional("until", state.awaiting.until),
    });
  }
  return findings.map(describeFinding);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
