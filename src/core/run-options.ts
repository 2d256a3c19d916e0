import type { EngineEventListener } from "./engine-events";
import type { Durability } from "./journal-messages";
import type { Plan } from "./plan-types";
import type { FailureRecord, RunState } from "./run-state";
import type { StopRequest } from "./stop-request";
import type { TargetLocker } from "./lock-port";
import type { LockOptions } from "./target-lock";
import type { Awaiting } from "./wait-signal";

/** Options shared by every engine entry point. */
export interface EngineOptions {
  /** Folder under which `runs/` and `locks/` live (e.g. deployments/<network>). */
  baseDir: string;
  /** Listener of typed engine events (the engine itself never prints). */
  onEvent?: EngineEventListener;
  /** Timing and identity of the default file lock (tests). */
  lock?: LockOptions;
  /** Where the one-run-per-target lock lives; default a file under baseDir/locks. */
  locker?: TargetLocker;
  /** Clock for journal timestamps and run ids (tests); durations use a monotonic clock. */
  now?: () => Date;
  /**
   * Asked from outside (a signal) to stop at the next safe point: between steps, between
   * rollback steps, or while sleeping through a wait. Never between an intent and its outcome.
   */
  stop?: StopRequest;
  /**
   * Drive the run through its waits instead of ending the session at the first one: the
   * waiting step is re-entered (its own check decides) every `pollMs` until `deadline`.
   * Without it, a wait ends the session in status "waiting".
   */
  waitPolicy?: WaitPolicy;
}

/** How long a session keeps polling a waiting step before it leaves the run waiting. */
export interface WaitPolicy {
  /** Epoch milliseconds after which the session stops polling. */
  deadline: number;
  /** Pause between two checks of the waiting step. */
  pollMs: number;
  /**
   * Runs before each check, given what the step waits for: where the world does not move by
   * itself (a fork mines only what it is told to), the caller moves it here.
   */
  beforePoll?(awaiting: Awaiting): Promise<void>;
}

/** Options of a new run. */
export interface RunPlanOptions extends EngineOptions {
  plan: Plan;
  /** Skip target-changing steps and say what they would do; default false. */
  dryRun?: boolean;
  /** Roll completed steps back on a failure or a stop verdict; default true. */
  autoRollback?: boolean;
  /** fsync every journal line (default) or not (benchmarks, throwaway runs). */
  durability?: Durability;
  /** What the lock protects (e.g. `31337-0x5FbD…`); default the plan id. */
  targetKey?: string;
}

/** Options of a resume. */
export interface ResumeRunOptions extends EngineOptions {
  plan: Plan;
  runId: string;
  /** Accept stop verdicts of named steps (short or full ids), each with a reason; journaled. */
  overrides?: ReadonlyArray<{ step: string; reason: string }>;
}

/** Options of a requested rollback. */
export interface RollbackRunOptions extends EngineOptions {
  plan: Plan;
  runId: string;
}

/** How a session of a run ended. */
export type RunOutcome =
  "completed" | "failed" | "waiting" | "interrupted" | "rolled-back" | "dry-run" | "abandoned";

/** The result of runPlan, resumeRun and rollbackRun. */
export interface RunResult {
  runId: string;
  runDir: string;
  status: RunOutcome;
  state: RunState;
  /** What the run waits for, when status is waiting. */
  awaiting?: Awaiting & { step: string };
  /** What blocks the run (status failed), or what caused its rollback (rolled-back). */
  failure?: FailureRecord;
}
