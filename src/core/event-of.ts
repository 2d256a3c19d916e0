import type { EngineEventBody } from "./engine-events";
import type { JournalLine } from "./journal-messages";
import { notFullyReversible, type PlanPreview } from "./plan-preview";
import { findStep, mayHaveChangedTarget, type RunState } from "./run-state";

/** What the events of a journal line say that the line itself does not. */
export interface LineContext {
  /** The run folder (run.started). */
  readonly runDir: string;
  /** The state the line was folded into (run.resumed, run.failed, rollback.started). */
  readonly state: RunState;
  /** How long this session has run, in ms (run.completed, run.failed). */
  sessionMs(): number;
  /**
   * How long what the line ends took in this session, in ms, for the two lines whose event
   * carries a duration the journal does not keep: STEP_WAITING (run.waiting: the attempt that
   * waits) and ROLLBACK_COMPLETED (rollback.completed: the rollback).
   */
  readonly elapsedMs?: number;
}

/**
 * The events a journal line stands for, in the order they are emitted. Every event of the
 * engine but three comes from here, called by whoever appends a line, right after it is on
 * disk; so "an event is emitted after its line" holds by construction and the events cannot
 * drift from the journal. The three facts that have no line are emitted on their own
 * (UnjournaledEventBody): a step already done, an effect replayed, a lock found lost; and
 * journal.redacted, said of a line before its own events.
 */
export function eventsOf(line: JournalLine, context: LineContext): EngineEventBody[] {
  switch (line.type) {
    case "RUN_STARTED": {
      const preview: PlanPreview = {
        planId: line.planId,
        planHash: line.planHash,
        steps: line.steps,
        notFullyReversible: notFullyReversible(line.steps),
      };
      if (line.planTitle !== undefined) preview.title = line.planTitle;
      return [
        {
          type: "run.started",
          planId: line.planId,
          planHash: line.planHash,
          dryRun: line.dryRun,
          runDir: context.runDir,
        },
        { type: "run.preview", preview },
      ];
    }
    case "RUN_RESUMED":
      return [{ type: "run.resumed", intent: line.intent, status: context.state.status }];
    case "RUN_INTERRUPTED":
      return [
        {
          type: "run.interrupted",
          reason: line.reason,
          mode: line.mode,
          ...(line.step === undefined ? {} : { step: line.step }),
        },
      ];
    case "RUN_ABANDONED":
      return [{ type: "run.abandoned", reason: line.reason, observed: line.observed }];
    case "LOCK_ACQUIRED":
      return [{ type: "lock.acquired", targetKey: line.targetKey, owner: line.owner }];
    case "LOCK_TAKEN_OVER":
      return [
        {
          type: "lock.taken-over",
          targetKey: line.targetKey,
          previousOwner: line.previousOwner,
          reason: line.reason,
        },
      ];
    case "LOCK_RELEASED":
      return [{ type: "lock.released", targetKey: line.targetKey }];
    case "JOURNAL_TAIL_REPAIRED":
      return [{ type: "journal.tail-repaired", line: line.line, bytes: line.bytes }];
    case "STEP_STARTED":
      return [{ type: "step.started", step: line.step, attempt: line.attempt }];
    case "STEP_SKIPPED":
      return [
        {
          type: "step.skipped",
          step: line.step,
          reason: line.reason,
          ...(line.description === undefined ? {} : { description: line.description }),
        },
      ];
    case "EFFECT_INTENT":
      return [{ type: "effect.intent", step: line.step, scope: line.scope, key: line.key }];
    case "EFFECT_NOTE":
      return [{ type: "effect.note", step: line.step, scope: line.scope, key: line.key }];
    case "EFFECT_OUTCOME":
      return [
        {
          type: "effect.applied",
          step: line.step,
          scope: line.scope,
          key: line.key,
          durationMs: line.durationMs,
        },
      ];
    case "EFFECT_FAILED":
      return [
        {
          type: "effect.failed",
          step: line.step,
          scope: line.scope,
          key: line.key,
          applied: line.applied,
          error: line.error,
        },
      ];
    case "EFFECT_RECONCILED":
      return [
        {
          type: "effect.reconciled",
          step: line.step,
          scope: line.scope,
          key: line.key,
          result: line.result,
        },
      ];
    case "ARTIFACT_WRITTEN":
      return [
        {
          type: "artifact.written",
          step: line.step,
          name: line.name,
          path: line.path,
          bytes: line.bytes,
        },
      ];
    case "STEP_COMPLETED":
      return [{ type: "step.completed", step: line.step, durationMs: line.durationMs }];
    case "STEP_VERIFIED": {
      const verified: EngineEventBody = {
        type: "step.verified",
        step: line.step,
        verdict: line.verdict,
        figures: line.figures,
        ...(line.message === undefined ? {} : { message: line.message }),
        durationMs: line.durationMs,
      };
      // A stop verdict fails the run, as a failed step does.
      return line.verdict === "stop" ? [verified, ...runFailed(context)] : [verified];
    }
    case "VERDICT_OVERRIDDEN":
      return [{ type: "step.overridden", step: line.step, reason: line.reason }];
    case "STEP_FAILED":
      return [
        { type: "step.failed", step: line.step, error: line.error, durationMs: line.durationMs },
        ...runFailed(context),
      ];
    case "STEP_WAITING":
      return [
        { type: "step.waiting", step: line.step, scope: line.scope, awaiting: line.awaiting },
        {
          type: "run.waiting",
          step: line.step,
          awaiting: line.awaiting,
          durationMs: context.elapsedMs ?? 0,
        },
      ];
    case "STEP_WIPED":
      return [{ type: "step.wiped", step: line.step }];
    case "ROLLBACK_STARTED": {
      // Of the steps it visits, those that may have changed the target are undone, or kept
      // when they have no rollback.
      const undo: string[] = [];
      const irreversible: string[] = [];
      for (const id of line.steps) {
        const step = findStep(context.state, id);
        if (step === undefined || !mayHaveChangedTarget(step)) continue;
        (step.rollsBack ? undo : irreversible).push(id);
      }
      return [
        { type: "rollback.started", reason: line.reason, steps: line.steps, undo, irreversible },
      ];
    }
    case "STEP_ROLLBACK_STARTED":
      return [{ type: "rollback.step-started", step: line.step, attempt: line.attempt }];
    case "STEP_ROLLED_BACK":
      return [{ type: "rollback.step-completed", step: line.step, durationMs: line.durationMs }];
    case "STEP_ROLLBACK_SKIPPED":
      return [{ type: "rollback.step-skipped", step: line.step, reason: line.reason }];
    case "ROLLBACK_FAILED":
      return [
        {
          type: "rollback.failed",
          step: line.step,
          error: line.error,
          durationMs: line.durationMs,
        },
      ];
    case "ROLLBACK_COMPLETED":
      return [{ type: "rollback.completed", durationMs: context.elapsedMs ?? 0 }];
    case "RUN_COMPLETED":
      return [
        {
          type: "run.completed",
          status: context.state.dryRun ? "dry-run" : "completed",
          durationMs: context.sessionMs(),
        },
      ];
    default:
      return unknownLine(line);
  }
}

/** run.failed, said with the failure the reducer recorded for the line just folded. */
function runFailed(context: LineContext): EngineEventBody[] {
  const failure = context.state.failure;
  if (failure === undefined) return [];
  return [
    {
      type: "run.failed",
      step: failure.step,
      error: failure.error,
      durationMs: context.sessionMs(),
    },
  ];
}

// The compiler refuses a journal message type without a case above.
function unknownLine(line: never): never {
  throw new Error(`no events for journal line ${JSON.stringify(line)}`);
}
