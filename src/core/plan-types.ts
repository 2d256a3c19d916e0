import type { EffectSpec, EffectState, ReconcilePort } from "./effect-types";
import type { Phase } from "./phases";
import type { RunState } from "./run-state";
import type { Awaiting } from "./wait-signal";

/** A checkpoint's decision. */
export type Verdict = "go" | "warn" | "stop";

/** What a step's verify returns: the decision and the figures it compared. */
export interface VerifyResult {
  verdict: Verdict;
  /**
   * The figures compared (journaled, bigint-safe). A figure shaped { before, after } is shown
   * in the report's before/after table.
   */
  figures: Record<string, unknown>;
  message?: string;
}

/**
 * Whether a target-changing step can be undone: fully (its rollback restores the target),
 * partially (its rollback restores most of it; the string says what stays), or not at all (no
 * rollback; the string says why). Shown in the preview before anything runs.
 */
export type Undo = "reversible" | { partial: string } | { irreversible: string };

/** A file written by a step into its run folder, as recorded in the journal. */
export interface ArtifactRef {
  name: string;
  /** Path relative to the run folder. */
  path: string;
  /** Absolute path on this machine. */
  absolutePath: string;
  sha256: string;
  bytes: number;
}

/** What every step callback can read. */
export interface BaseContext {
  readonly runId: string;
  readonly planId: string;
  /** Full id of the current step (`<plan>#<step>`). */
  readonly stepId: string;
  readonly runDir: string;
  /** True in a dry run: target-changing steps are skipped, the others run. */
  readonly dryRun: boolean;
  /**
   * The output of an earlier, completed step; throws AEGIS-E140 otherwise. Given the step
   * itself, its output's type is the step's (the compiler checks the hand-off); given an id
   * (short or full), the caller names the type.
   */
  output<O>(step: Step<O>): O;
  output<T = unknown>(step: string): T;
  /** Whether an earlier step has an output (false for steps skipped by a dry run). */
  hasOutput(step: Step<unknown> | string): boolean;
  /** Reads an artifact of this step (or of `step`), checking its sha256 against the journal. */
  readArtifact(name: string, step?: Step<unknown> | string): Buffer;
}

/** What a step's run receives. */
export interface StepContext extends BaseContext {
  /** 1 for the first attempt; higher when re-entered after a crash, a wait or a failure. */
  readonly attempt: number;
  /**
   * Declares a side effect on the target. Its intent is journaled and flushed before apply is
   * called, and its outcome after. When the step is re-entered, an effect whose outcome is
   * journaled is not applied again: its journaled outcome is returned. Keys are unique within
   * a step.
   */
  effect<T, I = unknown>(key: string, spec: EffectSpec<T, I>): Promise<T>;
  /** Writes a file into the run folder atomically and journals its sha256. */
  writeArtifact(name: string, data: string | Uint8Array): Promise<ArtifactRef>;
  /** Ends the run in status "waiting"; a later resume runs this step again. */
  wait(awaiting: Awaiting): never;
}

/** What a step's verify receives. */
export interface VerifyContext<O = unknown> extends BaseContext {
  /** The step's own output (undefined when its run returned nothing). */
  readonly result: O;
}

/** Why a rollback runs ("interrupted": a stop was requested before the plan's point of no return). */
export type RollbackReason = "failure" | "stop-verdict" | "requested" | "interrupted";

/** What a step's rollback receives. */
export interface RollbackContext<O = unknown> extends BaseContext {
  readonly reason: RollbackReason;
  /** The step's output when its run completed; undefined when it failed midway. */
  readonly result: O | undefined;
  /** Whether the step's run completed (false: it failed or waited after some effects). */
  readonly completed: boolean;
  /** The forward effects of the step, so a rollback undoes exactly what was applied. */
  readonly forwardEffects: readonly EffectState[];
  /** A rollback's own side effects: journaled intent first, like a step's. */
  effect<T, I = unknown>(key: string, spec: EffectSpec<T, I>): Promise<T>;
  /** Ends the run in status "waiting" during the rollback (e.g. a timelocked revert). */
  wait(awaiting: Awaiting): never;
}

/** One checkpointed step of a plan. */
export interface Step<O = unknown> {
  /** Short id, unique in the plan; the full id is `<plan>#<id>`. */
  id: string;
  title?: string;
  phase: Phase;
  /** Whether run changes the target; dry runs skip such steps and show describe() instead. */
  changesTarget: boolean;
  /** Required when changesTarget is true. */
  undo?: Undo;
  /** Does the step's work; its return value is journaled and readable by later steps. */
  run(ctx: StepContext): Promise<O> | O;
  /** The checkpoint: compares figures and says go, warn or stop. Must not change the target. */
  verify?(ctx: VerifyContext<O>): Promise<VerifyResult> | VerifyResult;
  /** Undoes the step (for a completed step or one that applied some effects before failing). */
  rollback?(ctx: RollbackContext<O>): Promise<unknown> | unknown;
  /** One line saying what run would do, for the preview and dry runs. */
  describe?(): string;
  /** One line saying what rollback would do, for the confirmation a rollback asks for. */
  describeRollback?(): string;
  /** Overrides the plan's reconcile port for this step's effects. */
  reconcile?: ReconcilePort;
}

/** A plan: ordered steps plus everything that decides what they do (hashed). */
export interface Plan {
  /** Safe as a file name; part of run ids and step ids. */
  id: string;
  title?: string;
  /**
   * Everything that decides what the plan will do (addresses, bytecode hashes, calldata, SQL
   * checksums, ...): any journalable value. The plan hash covers it and the steps' shape.
   */
  hashInput: unknown;
  // Method syntax in Step makes Step<X> assignable to Step<unknown>, so steps with different
  // outputs live in one array.
  steps: readonly Step<unknown>[];
  /** How to tell whether a pending effect happened; provided by the kind (EVM, SQL, API). */
  reconcile?: ReconcilePort;
  /**
   * A stop requested before this step (short id) is entered rolls back what the run did (when
   * auto-rollback is on); from this step on, a stop leaves the run where it is for a person to
   * resume or roll back. Without it, a stop never rolls back by itself.
   */
  rollbackOnStopBefore?: string;
  /**
   * Checks, before a resume, a rollback or an abandon sends anything, that the target still
   * matches what the journal says the run did; throws a coded error naming what changed.
   */
  revalidate?(state: RunState): Promise<void>;
  /**
   * Reads what the run leaves on the target now (journaled when a run is abandoned, shown
   * to the person who abandons it).
   */
  observeTarget?(state: RunState): Promise<Record<string, unknown>>;
}

/** Declares a step with its output type inferred from run (no runtime effect). */
export function defineStep<O>(step: Step<O>): Step<O> {
  return step;
}
