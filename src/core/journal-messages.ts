import type { EffectScope } from "./effect-types";
import type { ErrorRecord, LockOwner } from "./errors";
import type { StepDeclaration } from "./plan-preview";
import type { RollbackReason, Verdict } from "./plan-types";
import type { Awaiting } from "./wait-signal";

/**
 * The journal's vocabulary: one message per fact, appended in order and never rewritten. The
 * run's state is nothing but the fold of these messages through runStateReducer.
 *
 * Every line carries `seq` (1, 2, 3, ... without gaps) and `at` (ISO time of writing); the
 * writer adds both. Bump JOURNAL_VERSION when a message changes meaning.
 */
export const JOURNAL_VERSION = 1;

/** Durability of journal writes: fsync each line (default) or leave flushing to the OS. */
export type Durability = "fsync" | "none";

/** The options of a run that the journal records (they shape what a resume does). */
export interface RecordedRunOptions {
  autoRollback: boolean;
  durability: Durability;
}

/** Why a session of a run began ("abandon": to mark it abandoned after reconciling it). */
export type ResumeIntent = "continue" | "retry" | "rollback" | "abandon";

/** A journal message before the writer stamps it. */
export type JournalMessage =
  | {
      type: "RUN_STARTED";
      journalVersion: number;
      runId: string;
      planId: string;
      planTitle?: string;
      planHash: string;
      dryRun: boolean;
      targetKey: string;
      options: RecordedRunOptions;
      steps: StepDeclaration[];
      /**
       * The plan's hash input (redacted like every line), so that a resume or a rollback can
       * rebuild the plan from the journal alone. Absent in journals written before it existed.
       */
      hashInput?: unknown;
    }
  | { type: "RUN_RESUMED"; planHash: string; intent: ResumeIntent }
  /**
   * A stop was requested (a signal): the session stopped at a safe point, before `step` (or
   * while waiting). `mode` says whether it was moving forward or rolling back.
   */
  | { type: "RUN_INTERRUPTED"; reason: string; mode: "forward" | "rollback"; step?: string }
  /**
   * A person gave the run up: it will never be resumed or rolled back. `observed` is what the
   * kind read of the target when it was abandoned (e.g. paused, implementation).
   */
  | { type: "RUN_ABANDONED"; reason: string; observed: Record<string, unknown> }
  | { type: "LOCK_ACQUIRED"; targetKey: string; owner: LockOwner; expiresAt: string }
  | {
      type: "LOCK_TAKEN_OVER";
      targetKey: string;
      owner: LockOwner;
      expiresAt: string;
      previousOwner: LockOwner;
      previousExpiresAt: string;
      reason: "expired" | "owner-dead";
    }
  | { type: "LOCK_RELEASED"; targetKey: string }
  | { type: "JOURNAL_TAIL_REPAIRED"; line: number; bytes: number }
  | { type: "STEP_STARTED"; step: string; attempt: number }
  | { type: "STEP_SKIPPED"; step: string; reason: "dry-run"; description?: string }
  | { type: "EFFECT_INTENT"; step: string; scope: EffectScope; key: string; intent: unknown }
  | { type: "EFFECT_NOTE"; step: string; scope: EffectScope; key: string; data: unknown }
  | {
      type: "EFFECT_OUTCOME";
      step: string;
      scope: EffectScope;
      key: string;
      outcome: unknown;
      durationMs: number;
    }
  | {
      type: "EFFECT_FAILED";
      step: string;
      scope: EffectScope;
      key: string;
      /** "no" when apply said nothing happened (AEGIS-E134); otherwise nobody knows yet. */
      applied: "no" | "unknown";
      error: ErrorRecord;
    }
  | {
      type: "EFFECT_RECONCILED";
      step: string;
      scope: EffectScope;
      key: string;
      result: "applied" | "not-applied" | "pending";
      outcome?: unknown;
      awaiting?: Awaiting;
    }
  | {
      type: "ARTIFACT_WRITTEN";
      step: string;
      name: string;
      path: string;
      sha256: string;
      bytes: number;
    }
  | { type: "STEP_COMPLETED"; step: string; output?: unknown; durationMs: number }
  | {
      type: "STEP_VERIFIED";
      step: string;
      verdict: Verdict;
      figures: Record<string, unknown>;
      message?: string;
      durationMs: number;
    }
  | { type: "VERDICT_OVERRIDDEN"; step: string; reason: string }
  | { type: "STEP_FAILED"; step: string; error: ErrorRecord; durationMs: number }
  | { type: "STEP_WAITING"; step: string; scope: EffectScope; awaiting: Awaiting }
  | { type: "STEP_WIPED"; step: string; reason?: string }
  | { type: "ROLLBACK_STARTED"; reason: RollbackReason; steps: string[] }
  | { type: "STEP_ROLLBACK_STARTED"; step: string; attempt: number }
  | { type: "STEP_ROLLED_BACK"; step: string; durationMs: number }
  | {
      type: "STEP_ROLLBACK_SKIPPED";
      step: string;
      reason: "irreversible" | "nothing-applied";
      why?: string;
    }
  | { type: "ROLLBACK_FAILED"; step: string; error: ErrorRecord; durationMs: number }
  | { type: "ROLLBACK_COMPLETED" }
  | { type: "RUN_COMPLETED" };

/** The type names of all journal messages. */
export type JournalMessageType = JournalMessage["type"];

/** A journal line: a message stamped by the writer. */
export type JournalLine = JournalMessage & { seq: number; at: string };

// A Record keyed by the union makes the compiler reject a missing or unknown type.
const MESSAGE_TYPES: Record<JournalMessageType, true> = {
  RUN_STARTED: true,
  RUN_RESUMED: true,
  RUN_INTERRUPTED: true,
  RUN_ABANDONED: true,
  LOCK_ACQUIRED: true,
  LOCK_TAKEN_OVER: true,
  LOCK_RELEASED: true,
  JOURNAL_TAIL_REPAIRED: true,
  STEP_STARTED: true,
  STEP_SKIPPED: true,
  EFFECT_INTENT: true,
  EFFECT_NOTE: true,
  EFFECT_OUTCOME: true,
  EFFECT_FAILED: true,
  EFFECT_RECONCILED: true,
  ARTIFACT_WRITTEN: true,
  STEP_COMPLETED: true,
  STEP_VERIFIED: true,
  VERDICT_OVERRIDDEN: true,
  STEP_FAILED: true,
  STEP_WAITING: true,
  STEP_WIPED: true,
  ROLLBACK_STARTED: true,
  STEP_ROLLBACK_STARTED: true,
  STEP_ROLLED_BACK: true,
  STEP_ROLLBACK_SKIPPED: true,
  ROLLBACK_FAILED: true,
  ROLLBACK_COMPLETED: true,
  RUN_COMPLETED: true,
};

/** Whether a string is the type of a journal message. */
export function isJournalMessageType(value: unknown): value is JournalMessageType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(MESSAGE_TYPES, value);
}
