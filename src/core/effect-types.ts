import type { ErrorRecord } from "./errors";
import type { Awaiting } from "./wait-signal";

/** Whether an effect belongs to a step's forward run or to its rollback. */
export type EffectScope = "run" | "rollback";

/**
 * One side effect on the target, declared inside a step with ctx.effect(key, spec). The engine
 * journals (and flushes) the intent before calling apply, and the outcome after.
 */
export interface EffectSpec<T, I = unknown> {
  /**
   * What is about to be done, precisely enough for a reconcile port to find out later whether
   * it happened (a transaction's from/nonce/to/data, a migration's id and checksum). A
   * function is called only when the effect is really about to be applied.
   */
  intent: I | (() => I | Promise<I>);
  /** Applies the effect and returns its outcome (journaled; bigint-safe). */
  apply(io: EffectIo<I>): Promise<T> | T;
}

/** What an effect's apply can do besides returning its outcome; I is the intent's type. */
export interface EffectIo<I = unknown> {
  /** The intent as journaled (after redaction), e.g. to read a nonce decided before applying. */
  readonly intent: I;
  /** Journals (and flushes) a fact learnt while applying, e.g. a transaction hash once sent. */
  note(data: unknown): void;
  /** Ends the run in status "waiting" with this effect pending (e.g. a proposed Safe tx). */
  wait(awaiting: Awaiting): never;
}

/** The journaled state of one effect. */
export interface EffectState {
  key: string;
  scope: EffectScope;
  /**
   * intent: started, outcome unknown; applied: outcome known; failed: apply threw and may or
   * may not have changed the target; not-applied: known not to have changed the target.
   */
  status: "intent" | "applied" | "failed" | "not-applied";
  /** How many intents were journaled under this key (a not-applied effect is tried again). */
  attempts: number;
  intent: unknown;
  intentAt: string;
  notes: unknown[];
  outcome?: unknown;
  outcomeAt?: string;
  durationMs?: number;
  /** How the outcome became known. */
  resolvedBy?: "apply" | "reconcile";
  error?: ErrorRecord;
  /** Results of every reconciliation of this effect, in order. */
  reconciliations: Array<{ result: ReconcileResult["status"]; at: string }>;
}

/** An effect whose intent was journaled but whose outcome is unknown, as given to reconcile. */
export interface PendingEffect {
  /** Full step id. */
  stepId: string;
  key: string;
  scope: EffectScope;
  /** The intent as journaled. */
  intent: unknown;
  /** Notes journaled while applying (e.g. { txHash }), oldest first. */
  notes: unknown[];
  /** "failed" when apply threw: the error is here and the target may still have changed. */
  status: "intent" | "failed";
  error?: ErrorRecord;
}

/** What a reconcile port found out about a pending effect. */
export type ReconcileResult =
  | { status: "applied"; outcome: unknown }
  | { status: "not-applied" }
  | { status: "pending"; awaiting: Awaiting };

/**
 * The port through which a kind (EVM, SQL, API) tells the engine whether a pending effect
 * happened: look the transaction up by nonce or hash, read the migrations table, ...
 * "not-applied" lets the step apply it again; "applied" records the outcome; "pending" makes
 * the run wait.
 */
export type ReconcilePort = (effect: PendingEffect) => Promise<ReconcileResult> | ReconcileResult;
