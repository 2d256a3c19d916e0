import type { EffectScope } from "./effect-types";
import type { ErrorRecord, LockOwner } from "./errors";
import type { ResumeIntent } from "./journal-messages";
import type { PlanPreview } from "./plan-preview";
import type { RollbackReason, Verdict } from "./plan-types";
import type { RunStatus } from "./run-state";
import type { Awaiting } from "./wait-signal";

/**
 * Everything the engine reports while it works, as data. The engine never prints: a task
 * renders these (a live step list with timings on a terminal, JSON lines with --json). Each
 * event is emitted after the journal line it reflects is on disk: it is derived from that line
 * (eventsOf in event-of.ts), and carries the line's time in `at`.
 */
export type EngineEvent = EngineEventBody & { runId: string; at: string };

/** The discriminated union of event bodies (without the common runId and at). */
export type EngineEventBody =
  | { type: "run.preview"; preview: PlanPreview }
  | { type: "run.started"; planId: string; planHash: string; dryRun: boolean; runDir: string }
  | { type: "run.resumed"; intent: ResumeIntent; status: RunStatus }
  | { type: "run.interrupted"; reason: string; mode: "forward" | "rollback"; step?: string }
  | { type: "run.abandoned"; reason: string; observed: Record<string, unknown> }
  | { type: "run.completed"; status: "completed" | "dry-run"; durationMs: number }
  | { type: "run.failed"; step: string; error: ErrorRecord; durationMs: number }
  | { type: "run.waiting"; step: string; awaiting: Awaiting; durationMs: number }
  | { type: "step.started"; step: string; attempt: number }
  | { type: "step.skipped"; step: string; reason: "dry-run" | "already-done"; description?: string }
  | { type: "step.completed"; step: string; durationMs: number }
  | {
      type: "step.verified";
      step: string;
      verdict: Verdict;
      figures: Record<string, unknown>;
      message?: string;
      durationMs: number;
    }
  | { type: "step.overridden"; step: string; reason: string }
  | { type: "step.failed"; step: string; error: ErrorRecord; durationMs: number }
  | { type: "step.waiting"; step: string; scope: EffectScope; awaiting: Awaiting }
  | { type: "step.wiped"; step: string }
  | { type: "effect.intent"; step: string; scope: EffectScope; key: string }
  | { type: "effect.note"; step: string; scope: EffectScope; key: string }
  | { type: "effect.applied"; step: string; scope: EffectScope; key: string; durationMs: number }
  | { type: "effect.replayed"; step: string; scope: EffectScope; key: string }
  | {
      type: "effect.failed";
      step: string;
      scope: EffectScope;
      key: string;
      applied: "no" | "unknown";
      error: ErrorRecord;
    }
  | {
      type: "effect.reconciled";
      step: string;
      scope: EffectScope;
      key: string;
      result: "applied" | "not-applied" | "pending";
    }
  | { type: "artifact.written"; step: string; name: string; path: string; bytes: number }
  | {
      type: "rollback.started";
      reason: RollbackReason;
      steps: string[];
      /** The steps whose rollback will run, last first (the others applied nothing or cannot be undone). */
      undo: string[];
      /** The steps that changed the target and cannot be undone. */
      irreversible: string[];
    }
  | { type: "rollback.step-started"; step: string; attempt: number }
  | { type: "rollback.step-completed"; step: string; durationMs: number }
  | { type: "rollback.step-skipped"; step: string; reason: "irreversible" | "nothing-applied" }
  | { type: "rollback.failed"; step: string; error: ErrorRecord; durationMs: number }
  | { type: "rollback.completed"; durationMs: number }
  | { type: "journal.tail-repaired"; line: number; bytes: number }
  | { type: "journal.redacted"; step?: string; paths: string[] }
  | { type: "lock.acquired"; targetKey: string; owner: LockOwner }
  | {
      type: "lock.taken-over";
      targetKey: string;
      previousOwner: LockOwner;
      reason: "expired" | "owner-dead";
    }
  | { type: "lock.lost"; targetKey: string }
  | { type: "lock.released"; targetKey: string };

/**
 * The facts that have no journal line of their own, emitted directly; every other event is
 * derived from the line it reflects by eventsOf (event-of.ts), once the line is on disk.
 */
export type UnjournaledEventBody =
  /** A step a previous session completed: nothing is run or journaled again. */
  | { type: "step.skipped"; step: string; reason: "already-done" }
  /** An effect whose outcome a previous attempt journaled: returned, not applied again. */
  | Extract<EngineEventBody, { type: "effect.replayed" }>
  /** A line's secrets were replaced before it was written (said before the line's events). */
  | Extract<EngineEventBody, { type: "journal.redacted" }>
  /** The lock was taken over or vanished: nothing more can be written. */
  | Extract<EngineEventBody, { type: "lock.lost" }>;

/** The type names of engine events. */
export type EngineEventType = EngineEvent["type"];

/** A listener of engine events; its exceptions are contained (see emitEvent). */
export type EngineEventListener = (event: EngineEvent) => void;
