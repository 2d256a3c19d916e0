import { expect } from "chai";

import type { JournalLine, JournalMessage } from "../../src/core/journal-messages";
import { isStepDone, findStep, type RunState, type StepState } from "../../src/core/run-state";
import {
  InvalidTransitionError,
  StepArrayOwner,
  foldRunState,
  runStateReducer,
} from "../../src/core/run-state-reducer";
import { catchError } from "./helpers/catch-error";
import { declaration, runStarted, stamp } from "./helpers/journal-lines";

function fold(messages: JournalMessage[]): RunState {
  const state = foldRunState(stamp(messages));
  if (!state) throw new Error("empty");
  return state;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const TWO_STEPS = [declaration("a"), declaration("b", { verifies: true })];

describe("run state reducer", () => {
  it("starts with every step pending and the run running", () => {
    const state = fold([runStarted(TWO_STEPS)]);
    expect(state.status).to.equal("running");
    expect(state.mode).to.equal("forward");
    expect(state.steps.map((step) => [step.id, step.status])).to.deep.equal([
      ["p#a", "pending"],
      ["p#b", "pending"],
    ]);
    expect(state.lastSeq).to.equal(1);
  });

  it("refuses a journal that does not begin with RUN_STARTED, or has two", () => {
    expect(catchError(() => foldRunState(stamp([{ type: "RUN_COMPLETED" }])))?.message).to.contain(
      "RUN_STARTED",
    );
    expect(
      catchError(() => fold([runStarted(TWO_STEPS), runStarted(TWO_STEPS)]))?.message,
    ).to.contain("twice");
    expect(
      catchError(() =>
        fold([runStarted(TWO_STEPS), { type: "STEP_STARTED", step: "p#zz", attempt: 1 }]),
      )?.message,
    ).to.contain("unknown step");
  });

  it("follows a step through effects, completion and verification", () => {
    const state = fold([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "EFFECT_INTENT", step: "p#a", scope: "run", key: "tx", intent: { nonce: 7 } },
      { type: "EFFECT_NOTE", step: "p#a", scope: "run", key: "tx", data: { hash: "0x91" } },
      {
        type: "EFFECT_OUTCOME",
        step: "p#a",
        scope: "run",
        key: "tx",
        outcome: { block: 812n },
        durationMs: 3,
      },
      { type: "STEP_COMPLETED", step: "p#a", output: { block: 812n }, durationMs: 5 },
      { type: "STEP_STARTED", step: "p#b", attempt: 1 },
      { type: "STEP_COMPLETED", step: "p#b", durationMs: 1 },
    ]);
    const a = findStep(state, "a");
    expect(a?.status).to.equal("completed");
    expect(a?.output).to.deep.equal({ block: 812n });
    expect(a?.effects).to.have.length(1);
    expect(a?.effects[0]).to.include({
      key: "tx",
      status: "applied",
      resolvedBy: "apply",
      attempts: 1,
    });
    expect(a?.effects[0]?.notes).to.deep.equal([{ hash: "0x91" }]);
    expect(isStepDone(a as never)).to.equal(true);
    // b declares a verify that has not run yet: not done.
    expect(isStepDone(findStep(state, "p#b") as never)).to.equal(false);
  });

  it("turns a stop verdict into a failed run, and an override back into a completed step", () => {
    const stopped = fold([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#b", attempt: 1 },
      { type: "STEP_COMPLETED", step: "p#b", durationMs: 1 },
      { type: "STEP_VERIFIED", step: "p#b", verdict: "stop", figures: { x: 1 }, durationMs: 1 },
    ]);
    expect(stopped.status).to.equal("failed");
    expect(findStep(stopped, "b")?.status).to.equal("stopped");
    expect(stopped.failure?.error.code).to.equal("AEGIS-E151");
    const overridden = runStateReducer(stopped, {
      seq: 5,
      at: "2026-01-01T00:00:05.000Z",
      type: "VERDICT_OVERRIDDEN",
      step: "p#b",
      reason: "reviewed",
    });
    expect(findStep(overridden, "b")?.status).to.equal("completed");
    expect(overridden.failure).to.equal(undefined);
    expect(overridden.overrides).to.deep.equal([
      { step: "p#b", reason: "reviewed", at: "2026-01-01T00:00:05.000Z" },
    ]);
  });

  it("records reconciliation: not-applied frees the key for a second intent, applied sets the outcome", () => {
    const state = fold([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "EFFECT_INTENT", step: "p#a", scope: "run", key: "e1", intent: { n: 1 } },
      { type: "EFFECT_INTENT", step: "p#a", scope: "run", key: "e2", intent: { n: 2 } },
      { type: "RUN_RESUMED", planHash: "x", intent: "continue" },
      { type: "STEP_STARTED", step: "p#a", attempt: 2 },
      { type: "EFFECT_RECONCILED", step: "p#a", scope: "run", key: "e1", result: "not-applied" },
      {
        type: "EFFECT_RECONCILED",
        step: "p#a",
        scope: "run",
        key: "e2",
        result: "applied",
        outcome: 5n,
      },
      {
        type: "EFFECT_INTENT",
        step: "p#a",
        scope: "run",
        key: "e1",
        intent: { n: 1, retry: true },
      },
    ]);
    const effects = findStep(state, "a")?.effects ?? [];
    expect(effects.map((effect) => [effect.key, effect.status, effect.attempts])).to.deep.equal([
      ["e1", "intent", 2],
      ["e2", "applied", 1],
    ]);
    expect(effects[1]).to.include({ resolvedBy: "reconcile", outcome: 5n });
    expect(effects[0]?.reconciliations.map((r) => r.result)).to.deep.equal(["not-applied"]);
    expect(state.sessions.map((session) => session.kind)).to.deep.equal(["start", "continue"]);
  });

  it("waits, and clears the wait when the step starts again", () => {
    const waiting = fold([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      {
        type: "STEP_WAITING",
        step: "p#a",
        scope: "run",
        awaiting: { reason: "timelock", until: "2026-02-01T00:00:00.000Z" },
      },
    ]);
    expect(waiting.status).to.equal("waiting");
    expect(waiting.awaiting).to.deep.equal({
      reason: "timelock",
      until: "2026-02-01T00:00:00.000Z",
      step: "p#a",
      scope: "run",
    });
    const again = runStateReducer(waiting, {
      seq: 4,
      at: "2026-02-01T00:00:01.000Z",
      type: "STEP_STARTED",
      step: "p#a",
      attempt: 2,
    });
    expect(again.status).to.equal("running");
    expect(again.awaiting).to.equal(undefined);
    expect(findStep(again, "a")?.attempts).to.equal(2);
  });

  it("wipes a failed step: pending again, effects moved to the wipe history", () => {
    const state = fold([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "EFFECT_INTENT", step: "p#a", scope: "run", key: "e1", intent: {} },
      {
        type: "STEP_FAILED",
        step: "p#a",
        error: { code: "AEGIS-E100", message: "m", hint: "h", name: "X" },
        durationMs: 1,
      },
      { type: "STEP_WIPED", step: "p#a", reason: "tx dropped" },
    ]);
    const a = findStep(state, "a");
    expect(a?.status).to.equal("pending");
    expect(a?.effects).to.deep.equal([]);
    expect(a?.attempts).to.equal(1);
    expect(state.status).to.equal("interrupted");
    expect(state.failure).to.equal(undefined);
    expect(state.failures).to.have.length(1);
    expect(state.wipes[0]?.discardedEffects.map((effect) => effect.key)).to.deep.equal(["e1"]);
  });

  it("rolls back: pending, running, rolled back / skipped, then rolled-back with the cause kept", () => {
    const state = fold([
      runStarted([
        declaration("a"),
        declaration("b", { rollsBack: false, undo: { irreversible: "burns" } }),
      ]),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "STEP_COMPLETED", step: "p#a", durationMs: 1 },
      { type: "STEP_STARTED", step: "p#b", attempt: 1 },
      {
        type: "STEP_FAILED",
        step: "p#b",
        error: { code: "AEGIS-E100", message: "m", hint: "h", name: "X" },
        durationMs: 1,
      },
      { type: "ROLLBACK_STARTED", reason: "failure", steps: ["p#b", "p#a"] },
      { type: "STEP_ROLLBACK_SKIPPED", step: "p#b", reason: "nothing-applied" },
      { type: "STEP_ROLLBACK_STARTED", step: "p#a", attempt: 1 },
      { type: "EFFECT_INTENT", step: "p#a", scope: "rollback", key: "undo", intent: {} },
      {
        type: "EFFECT_OUTCOME",
        step: "p#a",
        scope: "rollback",
        key: "undo",
        outcome: null,
        durationMs: 1,
      },
      { type: "STEP_ROLLED_BACK", step: "p#a", durationMs: 2 },
      { type: "ROLLBACK_COMPLETED" },
    ]);
    expect(state.status).to.equal("rolled-back");
    expect(state.mode).to.equal("rollback");
    expect(state.rollback).to.include({ reason: "failure", status: "completed" });
    expect(state.rollback?.cause?.step).to.equal("p#b");
    expect(findStep(state, "a")?.rollback).to.include({ status: "rolled-back", durationMs: 2 });
    expect(findStep(state, "a")?.rollback.effects.map((effect) => effect.status)).to.deep.equal([
      "applied",
    ]);
    expect(findStep(state, "b")?.rollback.status).to.equal("skipped");
    expect(state.endedAt).to.equal("2026-01-01T00:00:12.000Z");
  });

  it("is pure: it never mutates the state or the line it is given", () => {
    const lines: JournalLine[] = stamp([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "EFFECT_INTENT", step: "p#a", scope: "run", key: "e", intent: { v: 1n } },
      { type: "EFFECT_OUTCOME", step: "p#a", scope: "run", key: "e", outcome: 2n, durationMs: 1 },
      { type: "STEP_COMPLETED", step: "p#a", output: 3n, durationMs: 1 },
      { type: "ROLLBACK_STARTED", reason: "requested", steps: ["p#a"] },
    ]);
    let state: RunState | undefined;
    const states: RunState[] = [];
    for (const line of lines) {
      deepFreeze(line);
      state = runStateReducer(state, line);
      states.push(deepFreeze(state));
    }
    // Earlier states are unchanged snapshots, and folding again gives an equal state.
    expect(findStep(states[1] as RunState, "a")?.status).to.equal("running");
    expect(findStep(states[4] as RunState, "a")?.status).to.equal("completed");
    expect(foldRunState(lines)).to.deep.equal(state);
    // Steps not touched by a line are shared, not copied.
    expect((states[4] as RunState).steps[1]).to.equal((states[1] as RunState).steps[1]);
  });

  it("leaves its input state as it was, on a line that changes a step and on one it rejects", () => {
    const lines = stamp([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "STEP_COMPLETED", step: "p#a", output: { block: 812n }, durationMs: 5 },
      // Rejected after it changed p#a: p#zz is not a step of the plan.
      { type: "ROLLBACK_STARTED", reason: "requested", steps: ["p#a", "p#zz"] },
    ]);
    const started = foldRunState(lines.slice(0, 2)) as RunState;
    const snapshot = structuredClone(started);
    const { steps } = started;
    const [a, b] = steps;

    const completed = runStateReducer(started, lines[2] as JournalLine);
    expect(findStep(completed, "a")?.status).to.equal("completed");
    expect(completed.steps).to.not.equal(steps);
    expect(started).to.deep.equal(snapshot);
    expect(started.steps).to.equal(steps);
    expect(started.steps[0]).to.equal(a);
    expect(started.steps[1]).to.equal(b);

    const error = catchError(() => runStateReducer(completed, lines[3] as JournalLine));
    expect(error).to.be.instanceOf(InvalidTransitionError);
    expect(error?.message).to.contain("unknown step p#zz");
    expect(findStep(completed, "a")?.rollback.status).to.equal("none");
    expect(completed.mode).to.equal("forward");
    expect(started).to.deep.equal(snapshot);
  });

  describe("a fold that owns its step array (StepArrayOwner)", () => {
    const lines = stamp([
      runStarted(TWO_STEPS),
      { type: "STEP_STARTED", step: "p#a", attempt: 1 },
      { type: "EFFECT_INTENT", step: "p#a", scope: "run", key: "e", intent: { v: 1n } },
      { type: "EFFECT_OUTCOME", step: "p#a", scope: "run", key: "e", outcome: 2n, durationMs: 1 },
      { type: "STEP_COMPLETED", step: "p#a", output: 3n, durationMs: 1 },
      { type: "STEP_STARTED", step: "p#b", attempt: 1 },
      { type: "ROLLBACK_STARTED", reason: "requested", steps: ["p#b", "p#a"] },
    ]);

    function ownedFold(count: number): { owner: StepArrayOwner; state: RunState } {
      const owner = new StepArrayOwner();
      let state: RunState | undefined;
      for (const line of lines.slice(0, count)) {
        state = owner.fold(state, line);
        owner.commit();
      }
      return { owner, state: state as RunState };
    }

    it("folds to the same states as the pure reducer, without copying its step array", () => {
      const owner = new StepArrayOwner();
      let owned: RunState | undefined;
      let pure: RunState | undefined;
      let steps: StepState[] | undefined;
      for (const line of lines) {
        owned = owner.fold(owned, line);
        owner.commit();
        pure = runStateReducer(pure, line);
        expect(owned).to.deep.equal(pure);
        steps ??= owned.steps;
        expect(owned.steps).to.equal(steps);
      }
    });

    it("undoes a line it rejects, even after that line changed a step", () => {
      const { owner, state } = ownedFold(5);
      const snapshot = structuredClone(state);
      const [a] = state.steps;
      const rejected = stamp(
        [{ type: "ROLLBACK_STARTED", reason: "requested", steps: ["p#a", "p#zz"] }],
        6,
      )[0] as JournalLine;
      expect(catchError(() => owner.fold(state, rejected))?.message).to.contain("unknown step");
      expect(state).to.deep.equal(snapshot);
      expect(state.steps[0]).to.equal(a);
      // The fold goes on from the state it had.
      const next = owner.fold(state, lines[5] as JournalLine);
      owner.commit();
      expect(findStep(next, "b")?.status).to.equal("running");
    });

    it("undoes a folded line on revert(), as when the journal could not be written", () => {
      const { owner, state } = ownedFold(5);
      const snapshot = structuredClone(state);
      const next = owner.fold(state, lines[5] as JournalLine);
      expect(findStep(next, "b")?.status).to.equal("running");
      owner.revert();
      expect(state).to.deep.equal(snapshot);
      expect(findStep(state, "b")?.status).to.equal("pending");
    });

    it("copies a step array it did not make, and wants each line committed or reverted", () => {
      const pure = foldRunState(lines.slice(0, 5)) as RunState;
      const snapshot = structuredClone(pure);
      const owner = new StepArrayOwner();
      const next = owner.fold(pure, lines[5] as JournalLine);
      expect(next.steps).to.not.equal(pure.steps);
      expect(pure).to.deep.equal(snapshot);
      expect(catchError(() => owner.fold(next, lines[6] as JournalLine))?.message).to.contain(
        "neither committed nor reverted",
      );
    });
  });
});
