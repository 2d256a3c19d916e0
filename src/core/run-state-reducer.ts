import type { EffectScope, EffectState } from "./effect-types";
import { VerdictStopError } from "./errors";
import type { JournalLine } from "./journal-messages";
import type { RunState, StepState } from "./run-state";

/** Thrown by the reducer for a message that cannot follow the state (the reader names the line). */
export class InvalidTransitionError extends Error {
  /** Describes the impossible transition. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidTransitionError";
  }
}

/**
 * The pure reducer of runs: (state, line) -> state. It never mutates its inputs, never reads
 * the clock and never does I/O, so folding the same journal always yields the same state.
 * Unchanged steps are shared between states; a change copies one step and the step array
 * (a StepArrayOwner's fold writes into its own array instead).
 */
export function runStateReducer(state: RunState | undefined, line: JournalLine): RunState {
  if (state === undefined) {
    if (line.type !== "RUN_STARTED") {
      throw new InvalidTransitionError(`the first message must be RUN_STARTED, not ${line.type}`);
    }
    return startRun(line);
  }
  const next = applyLine(state, line);
  if (next === state) return { ...state, lastSeq: line.seq, updatedAt: line.at };
  // A case returns the state it was given or an object it has just made, which nobody else
  // holds yet: stamping that one saves copying every field of the state once more per line.
  next.lastSeq = line.seq;
  next.updatedAt = line.at;
  return next;
}

/** Folds a list of lines into a state (undefined for an empty list). */
export function foldRunState(lines: readonly JournalLine[]): RunState | undefined {
  // Only the last state leaves this function, so the fold may write into its own step array.
  const owner = new StepArrayOwner();
  let state: RunState | undefined;
  for (const line of lines) {
    state = owner.fold(state, line);
    owner.commit();
  }
  return state;
}

// The writes an owning fold made into its step array during the current line, to undo them.
interface Ownership {
  array: StepState[] | undefined;
  undo: Array<{ array: StepState[]; index: number; step: StepState }>;
  arrayBefore: StepState[] | undefined;
}

// Set only while StepArrayOwner.fold runs the reducer, which is synchronous and calls nothing
// that could fold another line, so runStateReducer called directly never sees it.
let writing: Ownership | undefined;

/**
 * Folds lines into states like runStateReducer, except that a changed step is written into
 * the one step array this fold made (it copies an array it did not make, once) instead of into
 * a copy of the list of every step: folding a line then costs the same at 100 steps as at
 * 100,000. The states it returns share that array, so each is valid only until the next line
 * is committed. For a caller that keeps nothing but its latest state: a session, loadRun,
 * foldRunState.
 *
 * Every write is logged until commit(); a line the reducer rejects is undone before fold()
 * throws, and revert() undoes a folded line whose journal write failed, so the previous state
 * is then exactly as it was.
 */
export class StepArrayOwner {
  private readonly ownership: Ownership = { array: undefined, undo: [], arrayBefore: undefined };
  private pending = false;

  /** Folds one line; call commit() (or revert()) before the next. */
  fold(state: RunState | undefined, line: JournalLine): RunState {
    if (this.pending) throw new Error("the previous line was neither committed nor reverted");
    this.ownership.arrayBefore = this.ownership.array;
    writing = this.ownership;
    try {
      const next = runStateReducer(state, line);
      this.pending = true;
      return next;
    } catch (error) {
      this.undo();
      throw error;
    } finally {
      writing = undefined;
    }
  }

  /** Keeps the last folded line: the state before it is no longer valid. */
  commit(): void {
    this.ownership.undo.length = 0;
    this.pending = false;
  }

  /** Undoes the last folded line: the state before it is valid again, the new one is not. */
  revert(): void {
    if (!this.pending) return;
    this.undo();
    this.pending = false;
  }

  private undo(): void {
    const undo = this.ownership.undo;
    for (let at = undo.length - 1; at >= 0; at -= 1) {
      const entry = undo[at] as Ownership["undo"][number];
      entry.array[entry.index] = entry.step;
    }
    undo.length = 0;
    this.ownership.array = this.ownership.arrayBefore;
  }
}

function startRun(line: Extract<JournalLine, { type: "RUN_STARTED" }>): RunState {
  const stepIndex: Record<string, number> = {};
  const steps: StepState[] = line.steps.map((declaration, index) => {
    stepIndex[declaration.id] = index;
    return spread(declaration, {
      status: "pending",
      attempts: 0,
      hasOutput: false,
      effects: [],
      artifacts: [],
      rollback: { status: "none", attempts: 0, effects: [] },
    });
  });
  const state: RunState = {
    journalVersion: line.journalVersion,
    runId: line.runId,
    planId: line.planId,
    planHash: line.planHash,
    dryRun: line.dryRun,
    targetKey: line.targetKey,
    options: line.options,
    status: "running",
    mode: "forward",
    startedAt: line.at,
    updatedAt: line.at,
    lastSeq: line.seq,
    steps,
    stepIndex,
    sessions: [{ kind: "start", at: line.at }],
    failures: [],
    overrides: [],
    wipes: [],
    journalRepairs: [],
    interruptions: [],
    locks: [],
  };
  if (line.planTitle !== undefined) state.planTitle = line.planTitle;
  if (line.hashInput !== undefined) state.hashInput = line.hashInput;
  if (writing !== undefined) writing.array = steps;
  return state;
}

function applyLine(state: RunState, line: JournalLine): RunState {
  switch (line.type) {
    case "RUN_STARTED":
      throw new InvalidTransitionError("RUN_STARTED appears twice");
    case "RUN_RESUMED":
      return {
        ...state,
        status: state.mode === "rollback" ? "rolling-back" : "running",
        sessions: [...state.sessions, { kind: line.intent, at: line.at }],
        failure: undefined,
        awaiting: undefined,
      };
    case "RUN_INTERRUPTED": {
      const interruption = {
        reason: line.reason,
        mode: line.mode,
        at: line.at,
        ...(line.step === undefined ? {} : { step: line.step }),
      };
      return {
        ...state,
        // A waiting run stays waiting: nothing was in flight, the wait is still what it needs.
        status: state.status === "waiting" ? "waiting" : "interrupted",
        interruptions: [...state.interruptions, interruption],
      };
    }
    case "RUN_ABANDONED":
      return {
        ...state,
        status: "abandoned",
        endedAt: line.at,
        awaiting: undefined,
        abandoned: { reason: line.reason, observed: line.observed, at: line.at },
      };
    case "LOCK_ACQUIRED":
      return {
        ...state,
        locks: [...state.locks, { event: "acquired", at: line.at, owner: line.owner }],
      };
    case "LOCK_TAKEN_OVER":
      return {
        ...state,
        locks: [
          ...state.locks,
          {
            event: "taken-over",
            at: line.at,
            owner: line.owner,
            previousOwner: line.previousOwner,
            reason: line.reason,
          },
        ],
      };
    case "LOCK_RELEASED":
      return { ...state, locks: [...state.locks, { event: "released", at: line.at }] };
    case "JOURNAL_TAIL_REPAIRED":
      return {
        ...state,
        journalRepairs: [
          ...state.journalRepairs,
          { line: line.line, bytes: line.bytes, at: line.at },
        ],
      };
    case "STEP_STARTED":
      return withStep({ ...state, status: "running", awaiting: undefined }, line.step, (step) =>
        spread(step, {
          status: "running",
          attempts: line.attempt,
          startedAt: line.at,
          endedAt: undefined,
          durationMs: undefined,
          error: undefined,
          awaiting: undefined,
        }),
      );
    case "STEP_SKIPPED":
      return withStep(state, line.step, (step) => ({
        ...step,
        status: "skipped",
        skipped:
          line.description === undefined
            ? { reason: line.reason }
            : { reason: line.reason, description: line.description },
      }));
    case "EFFECT_INTENT":
      return withEffects(state, line.step, line.scope, (effects) => {
        const index = effects.findIndex((effect) => effect.key === line.key);
        const previous = index === -1 ? undefined : effects[index];
        const effect: EffectState = {
          key: line.key,
          scope: line.scope,
          status: "intent",
          attempts: (previous?.attempts ?? 0) + 1,
          intent: line.intent,
          intentAt: line.at,
          notes: [],
          reconciliations: previous?.reconciliations ?? [],
        };
        return index === -1 ? [...effects, effect] : replaceAt(effects, index, effect);
      });
    case "EFFECT_NOTE":
      return withEffect(state, line.step, line.scope, line.key, (effect) => ({
        ...effect,
        notes: [...effect.notes, line.data],
      }));
    case "EFFECT_OUTCOME":
      return withEffect(state, line.step, line.scope, line.key, (effect) => ({
        ...effect,
        status: "applied",
        outcome: line.outcome,
        outcomeAt: line.at,
        durationMs: line.durationMs,
        resolvedBy: "apply",
        error: undefined,
      }));
    case "EFFECT_FAILED":
      return withEffect(state, line.step, line.scope, line.key, (effect) => ({
        ...effect,
        status: line.applied === "no" ? "not-applied" : "failed",
        error: line.error,
      }));
    case "EFFECT_RECONCILED":
      return withEffect(state, line.step, line.scope, line.key, (effect) => {
        const reconciliations = [...effect.reconciliations, { result: line.result, at: line.at }];
        if (line.result === "applied") {
          return {
            ...effect,
            status: "applied",
            outcome: line.outcome,
            outcomeAt: line.at,
            resolvedBy: "reconcile",
            reconciliations,
          };
        }
        if (line.result === "not-applied")
          return { ...effect, status: "not-applied", reconciliations };
        return { ...effect, reconciliations };
      });
    case "ARTIFACT_WRITTEN":
      return withStep(state, line.step, (step) => {
        const record = {
          name: line.name,
          path: line.path,
          sha256: line.sha256,
          bytes: line.bytes,
          at: line.at,
        };
        const index = step.artifacts.findIndex((artifact) => artifact.name === line.name);
        return {
          ...step,
          artifacts:
            index === -1 ? [...step.artifacts, record] : replaceAt(step.artifacts, index, record),
        };
      });
    case "STEP_COMPLETED":
      return withStep(state, line.step, (step) =>
        spread(step, {
          status: "completed",
          hasOutput: true,
          output: line.output,
          durationMs: line.durationMs,
          endedAt: line.at,
        }),
      );
    case "STEP_VERIFIED": {
      const verification = {
        verdict: line.verdict,
        figures: line.figures,
        at: line.at,
        durationMs: line.durationMs,
        ...(line.message === undefined ? {} : { message: line.message }),
      };
      const next = withStep(state, line.step, (step) => ({
        ...step,
        status: line.verdict === "stop" ? "stopped" : step.status,
        verification,
      }));
      if (line.verdict !== "stop") return next;
      const failure = {
        step: line.step,
        scope: "run" as const,
        error: new VerdictStopError(line.step, line.message).toRecord(),
        at: line.at,
      };
      return { ...next, status: "failed", failure, failures: [...next.failures, failure] };
    }
    case "VERDICT_OVERRIDDEN": {
      const next = withStep(state, line.step, (step) => ({
        ...step,
        status: step.status === "stopped" ? "completed" : step.status,
        overridden: { reason: line.reason, at: line.at },
      }));
      return {
        ...next,
        failure: next.failure?.step === line.step ? undefined : next.failure,
        overrides: [...next.overrides, { step: line.step, reason: line.reason, at: line.at }],
      };
    }
    case "STEP_FAILED": {
      const next = withStep(state, line.step, (step) => ({
        ...step,
        status: "failed",
        error: line.error,
        durationMs: line.durationMs,
        endedAt: line.at,
      }));
      const failure = { step: line.step, scope: "run" as const, error: line.error, at: line.at };
      return { ...next, status: "failed", failure, failures: [...next.failures, failure] };
    }
    case "STEP_WAITING": {
      const next = withStep(state, line.step, (step) =>
        line.scope === "run"
          ? { ...step, status: "waiting", awaiting: line.awaiting }
          : { ...step, rollback: { ...step.rollback, status: "waiting", awaiting: line.awaiting } },
      );
      return {
        ...next,
        status: "waiting",
        awaiting: { ...line.awaiting, step: line.step, scope: line.scope },
        rollback: next.rollback && { ...next.rollback, status: "waiting" },
      };
    }
    case "STEP_WIPED": {
      const before = requireStep(state, line.step);
      const next = withStep(state, line.step, (step) => ({
        ...step,
        status: "pending",
        hasOutput: false,
        output: undefined,
        verification: undefined,
        overridden: undefined,
        error: undefined,
        awaiting: undefined,
        skipped: undefined,
        durationMs: undefined,
        endedAt: undefined,
        effects: [],
        artifacts: [],
      }));
      const wipe = {
        step: line.step,
        at: line.at,
        discardedEffects: before.effects,
        ...(line.reason === undefined ? {} : { reason: line.reason }),
      };
      return {
        ...next,
        status: "interrupted",
        failure: next.failure?.step === line.step ? undefined : next.failure,
        awaiting: next.awaiting?.step === line.step ? undefined : next.awaiting,
        wipes: [...next.wipes, wipe],
      };
    }
    case "ROLLBACK_STARTED": {
      let next: RunState = {
        ...state,
        mode: "rollback",
        status: "rolling-back",
        failure: undefined,
        awaiting: undefined,
        rollback: {
          reason: line.reason,
          steps: line.steps,
          status: "running",
          startedAt: line.at,
          ...(state.failure === undefined ? {} : { cause: state.failure }),
        },
      };
      for (const id of line.steps) {
        next = withStep(next, id, (step) => ({
          ...step,
          rollback: { ...step.rollback, status: "pending" },
        }));
      }
      return next;
    }
    case "STEP_ROLLBACK_STARTED":
      return withStep(
        {
          ...state,
          status: "rolling-back",
          awaiting: undefined,
          rollback: state.rollback && { ...state.rollback, status: "running" },
        },
        line.step,
        (step) => ({
          ...step,
          rollback: {
            ...step.rollback,
            status: "running",
            attempts: line.attempt,
            startedAt: line.at,
            error: undefined,
            awaiting: undefined,
          },
        }),
      );
    case "STEP_ROLLED_BACK":
      return withStep(state, line.step, (step) => ({
        ...step,
        rollback: { ...step.rollback, status: "rolled-back", durationMs: line.durationMs },
      }));
    case "STEP_ROLLBACK_SKIPPED":
      return withStep(state, line.step, (step) => ({
        ...step,
        rollback: {
          ...step.rollback,
          status: "skipped",
          skipped:
            line.why === undefined
              ? { reason: line.reason }
              : { reason: line.reason, why: line.why },
        },
      }));
    case "ROLLBACK_FAILED": {
      const next = withStep(state, line.step, (step) => ({
        ...step,
        rollback: {
          ...step.rollback,
          status: "failed",
          error: line.error,
          durationMs: line.durationMs,
        },
      }));
      const failure = {
        step: line.step,
        scope: "rollback" as const,
        error: line.error,
        at: line.at,
      };
      return {
        ...next,
        status: "failed",
        failure,
        failures: [...next.failures, failure],
        rollback: next.rollback && { ...next.rollback, status: "failed" },
      };
    }
    case "ROLLBACK_COMPLETED":
      return {
        ...state,
        status: "rolled-back",
        endedAt: line.at,
        failure: undefined,
        awaiting: undefined,
        rollback: state.rollback && { ...state.rollback, status: "completed", endedAt: line.at },
      };
    case "RUN_COMPLETED":
      return {
        ...state,
        status: state.dryRun ? "dry-run" : "completed",
        endedAt: line.at,
        failure: undefined,
        awaiting: undefined,
      };
  }
}

function requireStep(state: RunState, id: string): StepState {
  const index = state.stepIndex[id];
  const step = index === undefined ? undefined : state.steps[index];
  if (step === undefined) throw new InvalidTransitionError(`unknown step ${id}`);
  return step;
}

function withStep(state: RunState, id: string, update: (step: StepState) => StepState): RunState {
  const index = state.stepIndex[id];
  const step = index === undefined ? undefined : state.steps[index];
  if (index === undefined || step === undefined)
    throw new InvalidTransitionError(`unknown step ${id}`);
  const steps = writeStep(state.steps, index, update(step));
  // Written in place: the state object itself is unchanged, and runStateReducer returns a new
  // one for the line anyway, so a copy here would only be garbage.
  return steps === state.steps ? state : { ...state, steps };
}

/** The step array with one step replaced: in place when an owning fold made it, else a copy. */
function writeStep(steps: StepState[], index: number, step: StepState): StepState[] {
  const owner = writing;
  // A frozen array (someone froze a state) cannot be written: copying it is still correct.
  if (owner !== undefined && owner.array === steps && !Object.isFrozen(steps)) {
    owner.undo.push({ array: steps, index, step: steps[index] as StepState });
    steps[index] = step;
    return steps;
  }
  const copy = steps.slice();
  copy[index] = step;
  if (owner !== undefined) owner.array = copy;
  return copy;
}

function withEffects(
  state: RunState,
  id: string,
  scope: EffectScope,
  update: (effects: EffectState[]) => EffectState[],
): RunState {
  return withStep(state, id, (step) =>
    scope === "run"
      ? { ...step, effects: update(step.effects) }
      : { ...step, rollback: { ...step.rollback, effects: update(step.rollback.effects) } },
  );
}

function withEffect(
  state: RunState,
  id: string,
  scope: EffectScope,
  key: string,
  update: (effect: EffectState) => EffectState,
): RunState {
  return withEffects(state, id, scope, (effects) => {
    const index = effects.findIndex((effect) => effect.key === key);
    const effect = effects[index];
    if (effect === undefined) {
      throw new InvalidTransitionError(`effect ${key} of step ${id} has no intent`);
    }
    return replaceAt(effects, index, update(effect));
  });
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  const out = items.slice();
  out[index] = item;
  return out;
}

/**
 * `{ ...base, ...changes }` for the lines every step has. A spread literal that adds keys its
 * source lacks takes a slow path in V8 (Node 20: about 2.5 µs per added key, against a tenth of
 * that for keys set one by one on a fresh object); a pending step gains five when it starts.
 */
function spread<B extends object, C extends object>(base: B, changes: C): Omit<B, keyof C> & C {
  // The changes are literals of this file, which cannot hold an own "__proto__" key.
  if (!Object.hasOwn(base, "__proto__")) return Object.assign({}, base, changes);
  const out: Record<string, unknown> = {};
  copyFields(out, base as Record<string, unknown>);
  copyFields(out, changes as Record<string, unknown>);
  return out as Omit<B, keyof C> & C;
}

function copyFields(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) {
    // As a spread does: an own "__proto__" key (a journal may hold one) stays a plain field.
    if (key === "__proto__") {
      Object.defineProperty(target, key, {
        value: source[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      target[key] = source[key];
    }
  }
}
