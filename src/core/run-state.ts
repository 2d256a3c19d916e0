import type { EffectScope, EffectState } from "./effect-types";
import type { ErrorRecord, LockOwner } from "./errors";
import { fullStepId } from "./ids";
import type { RecordedRunOptions, ResumeIntent } from "./journal-messages";
import type { StepDeclaration } from "./plan-preview";
import type { RollbackReason, Verdict } from "./plan-types";
import type { Awaiting } from "./wait-signal";

/**
 * The state of a run, rebuilt from its journal by runStateReducer. It is never written to
 * disk: the journal is the only source of truth, so a state can never disagree with it.
 *
 * Status:
 *  - running       a session is (or was, until a crash) moving forward
 *  - waiting       a step awaits something (see `awaiting`); resume later
 *  - failed        blocked by a failed step, a stop verdict or a failed rollback (`failure`)
 *  - interrupted   stopped at a safe point on request (a signal), or a step was wiped; resume
 *  - rolling-back  a rollback is (or was, until a crash) in progress
 *  - completed / dry-run / rolled-back   finished
 *  - abandoned     given up by a person: never resumed nor rolled back
 */
export type RunStatus =
  | "running"
  | "waiting"
  | "failed"
  | "interrupted"
  | "rolling-back"
  | "completed"
  | "dry-run"
  | "rolled-back"
  | "abandoned";

/** The statuses in which a run will never change again. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  "completed",
  "dry-run",
  "rolled-back",
  "abandoned",
];

/** Forward status of a step. `stopped`: its verify said stop (not overridden). */
export type StepStatus =
  "pending" | "running" | "completed" | "stopped" | "failed" | "waiting" | "skipped";

/** Rollback status of a step. `none`: not part of a rollback. */
export type StepRollbackStatus =
  "none" | "pending" | "running" | "waiting" | "rolled-back" | "skipped" | "failed";

/** A file a step wrote into the run folder. */
export interface ArtifactRecord {
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  at: string;
}

/** The journaled state of one step. */
export interface StepState extends StepDeclaration {
  status: StepStatus;
  /** Number of times run was entered. */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** Duration of the last attempt of run (and of verify, separately in `verification`). */
  durationMs?: number;
  hasOutput: boolean;
  output?: unknown;
  verification?: {
    verdict: Verdict;
    figures: Record<string, unknown>;
    message?: string;
    at: string;
    durationMs: number;
  };
  overridden?: { reason: string; at: string };
  error?: ErrorRecord;
  awaiting?: Awaiting;
  skipped?: { reason: "dry-run"; description?: string };
  effects: EffectState[];
  artifacts: ArtifactRecord[];
  rollback: {
    status: StepRollbackStatus;
    attempts: number;
    startedAt?: string;
    durationMs?: number;
    error?: ErrorRecord;
    awaiting?: Awaiting;
    skipped?: { reason: "irreversible" | "nothing-applied"; why?: string };
    effects: EffectState[];
  };
}

/** A failure that blocks (or blocked) the run. */
export interface FailureRecord {
  step: string;
  scope: EffectScope;
  error: ErrorRecord;
  at: string;
}

/** The state of a run. */
export interface RunState {
  journalVersion: number;
  runId: string;
  planId: string;
  planTitle?: string;
  planHash: string;
  dryRun: boolean;
  targetKey: string;
  options: RecordedRunOptions;
  status: RunStatus;
  mode: "forward" | "rollback";
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
  /** Sequence number of the last line folded in (the number of lines). */
  lastSeq: number;
  /** Steps in plan order. */
  steps: StepState[];
  /** Position of each step in `steps`, by full id (fixed at RUN_STARTED, so shared by copies). */
  stepIndex: Readonly<Record<string, number>>;
  /** One entry per process session: the start and each resume. */
  sessions: Array<{ kind: "start" | ResumeIntent; at: string }>;
  failure?: FailureRecord;
  /** Every failure the run met, including those later retried. */
  failures: FailureRecord[];
  awaiting?: Awaiting & { step: string; scope: EffectScope };
  rollback?: {
    reason: RollbackReason;
    steps: string[];
    status: "running" | "waiting" | "failed" | "completed";
    startedAt: string;
    endedAt?: string;
    cause?: FailureRecord;
  };
  overrides: Array<{ step: string; reason: string; at: string }>;
  wipes: Array<{ step: string; reason?: string; at: string; discardedEffects: EffectState[] }>;
  journalRepairs: Array<{ line: number; bytes: number; at: string }>;
  /** Every stop requested from outside (signals), where the session stopped. */
  interruptions: Array<{
    reason: string;
    mode: "forward" | "rollback";
    step?: string;
    at: string;
  }>;
  /** Set when a person gave the run up. */
  abandoned?: { reason: string; observed: Record<string, unknown>; at: string };
  /** The plan's hash input as journaled at the start (absent in older journals). */
  hashInput?: unknown;
  locks: Array<{
    event: "acquired" | "taken-over" | "released";
    at: string;
    owner?: LockOwner;
    previousOwner?: LockOwner;
    reason?: "expired" | "owner-dead";
  }>;
}

/** The state of a step by short or full id, or undefined when the plan has no such step. */
export function findStep(state: RunState, step: string): StepState | undefined {
  const index = state.stepIndex[step] ?? state.stepIndex[fullStepId(state.planId, step)];
  return index === undefined ? undefined : state.steps[index];
}

/** Whether a step may have changed the target: it completed, or some effect may have applied. */
export function mayHaveChangedTarget(step: StepState): boolean {
  if (step.status === "completed" || step.status === "stopped") return true;
  return step.effects.some((effect) => effect.status !== "not-applied");
}

/** Whether a step needs no more forward work: completed (and not stopped) or skipped. */
export function isStepDone(step: StepState): boolean {
  if (step.status === "skipped") return true;
  if (step.status !== "completed") return false;
  return !step.verifies || step.verification !== undefined;
}
