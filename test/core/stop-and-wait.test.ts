import * as path from "node:path";

import { expect } from "chai";

import { abandonRun } from "../../src/core/abandon-run";
import type { EngineEvent } from "../../src/core/engine-events";
import { AegisError } from "../../src/core/errors";
import { findBlockingRuns, listRuns } from "../../src/core/list-runs";
import type { TargetLocker } from "../../src/core/lock-port";
import type { Plan, Step } from "../../src/core/plan-types";
import { resumeRun } from "../../src/core/resume-run";
import { rollbackRun } from "../../src/core/rollback-run";
import { runPlan } from "../../src/core/run-plan";
import { findStep } from "../../src/core/run-state";
import { StopRequest } from "../../src/core/stop-request";
import { FakeTarget } from "./fixtures/fake-target";
import { catchAsync } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

/** A target-changing step applying one fake effect, undone by `rb.<key>`. */
function changing(target: FakeTarget, id: string, extra: Partial<Step> = {}): Step {
  return {
    id,
    phase: "execute",
    changesTarget: true,
    undo: "reversible",
    run: (ctx) => ctx.effect(`${id}-fx`, { intent: { key: id }, apply: () => target.apply(id) }),
    rollback: async (ctx) => {
      if (!ctx.forwardEffects.some((effect) => effect.status === "applied")) return;
      const key = `rb.${id}`;
      await ctx.effect(`undo-${id}`, { intent: { key }, apply: () => target.apply(key) });
    },
    ...extra,
  };
}

/** A plan of three changing steps a, b, c; a stop before `c` rolls back (`c` is the point of no return). */
function plan(target: FakeTarget, extra: Partial<Plan> = {}): Plan {
  return {
    id: "stops",
    hashInput: { proxy: "0xabc", version: 2 },
    steps: [changing(target, "a"), changing(target, "b"), changing(target, "c")],
    reconcile: target.reconcile,
    rollbackOnStopBefore: "c",
    ...extra,
  };
}

/** An event listener that requests a stop when it sees `type` for `step` (short id). */
function stopAt(stop: StopRequest, type: EngineEvent["type"], step: string, times = 1) {
  let seen = 0;
  return (event: EngineEvent) => {
    if (event.type !== type || !("step" in event) || !event.step?.endsWith(`#${step}`)) return;
    seen += 1;
    if (seen <= times) stop.request("SIGINT");
  };
}

describe("stopping runs at safe points, waiting runs, abandoned runs", () => {
  let dir: string;
  let target: FakeTarget;
  beforeEach(() => {
    dir = makeTempDir();
    target = new FakeTarget(path.join(dir, "target.log"));
  });
  afterEach(() => removeTempDir(dir));

  it("finishes the step in flight, then undoes what it did when stopped before the point of no return", async () => {
    const stop = new StopRequest();
    const result = await runPlan({
      plan: plan(target),
      baseDir: dir,
      stop,
      onEvent: stopAt(stop, "effect.intent", "a"),
    });
    expect(result.status).to.equal("rolled-back");
    expect(result.state.rollback?.reason).to.equal("interrupted");
    expect(result.state.interruptions).to.deep.include({
      reason: "SIGINT",
      mode: "forward",
      step: "stops#b",
      at: result.state.interruptions[0]?.at,
    });
    // a's effect was in flight when the stop came: applied once, then undone once.
    expect(Object.fromEntries(target.counts())).to.deep.equal({ a: 1, "rb.a": 1 });
  });

  it("stops before the next step after the point of no return and resumes from there", async () => {
    const stop = new StopRequest();
    const stopped = await runPlan({
      plan: plan(target, { steps: [...plan(target).steps, changing(target, "d")] }),
      baseDir: dir,
      stop,
      onEvent: stopAt(stop, "step.started", "c"),
    });
    expect(stopped.status).to.equal("interrupted");
    expect(stopped.state.interruptions.at(-1)?.step).to.equal("stops#d");
    expect(findBlockingRuns(dir, "stops").map((run) => run.runId)).to.deep.equal([stopped.runId]);
    expect(listRuns(dir)[0]).to.include({
      standing: "interrupted (SIGINT) before d",
      unfinished: true,
    });

    const resumed = await resumeRun({
      plan: plan(target, { steps: [...plan(target).steps, changing(target, "d")] }),
      baseDir: dir,
      runId: stopped.runId,
    });
    expect(resumed.status).to.equal("completed");
    expect(Object.fromEntries(target.counts())).to.deep.equal({ a: 1, b: 1, c: 1, d: 1 });
    expect(findBlockingRuns(dir, "stops")).to.deep.equal([]);
  });

  it("honours a second stop during the rollback a first stop began, after the effect in flight", async () => {
    const stop = new StopRequest();
    const onEvent = (event: EngineEvent) => {
      stopAt(stop, "effect.applied", "b")(event);
      if (event.type === "rollback.step-started") stop.request("SIGINT");
    };
    const result = await runPlan({ plan: plan(target), baseDir: dir, stop, onEvent });
    expect(result.status).to.equal("interrupted");
    expect(result.state.interruptions.map((entry) => entry.mode)).to.deep.equal([
      "forward",
      "rollback",
    ]);
    // b's rollback was under way when the second stop came: it finished; a's never started.
    expect(Object.fromEntries(target.counts())).to.deep.equal({ a: 1, b: 1, "rb.b": 1 });
    const finished = await rollbackRun({ plan: plan(target), baseDir: dir, runId: result.runId });
    expect(finished.status).to.equal("rolled-back");
    expect(Object.fromEntries(target.counts())).to.deep.equal({ a: 1, b: 1, "rb.b": 1, "rb.a": 1 });
  });

  it("drives a waiting step through its polls until its condition holds, journaling each check", async () => {
    let checks = 0;
    const waiting: Step = {
      id: "watch",
      phase: "stabilize",
      changesTarget: false,
      run: (ctx) => {
        checks += 1;
        if (checks < 3) ctx.wait({ reason: `${3 - checks} more check(s)` });
        return { checks };
      },
    };
    const result = await runPlan({
      plan: plan(target, { steps: [changing(target, "a"), waiting] }),
      baseDir: dir,
      waitPolicy: { deadline: Date.now() + 60_000, pollMs: 5 },
    });
    expect(result.status).to.equal("completed");
    expect(findStep(result.state, "watch")?.attempts).to.equal(3);

    // Without a policy the same wait ends the session, resumable.
    checks = 0;
    const left = await runPlan({
      plan: plan(target, { id: "later", steps: [waiting] }),
      baseDir: dir,
    });
    expect(left.status).to.equal("waiting");
    expect(left.awaiting?.reason).to.equal("2 more check(s)");
  });

  it("moves the world before each check when the caller says how (a fork mines its blocks)", async () => {
    let height = 10;
    const moved: unknown[] = [];
    const waiting: Step = {
      id: "watch",
      phase: "stabilize",
      changesTarget: false,
      run: (ctx) => {
        if (height < 12)
          ctx.wait({ reason: "blocks", condition: { kind: "blocks", untilBlock: 12 } });
        return { height };
      },
    };
    const result = await runPlan({
      plan: plan(target, { steps: [waiting] }),
      baseDir: dir,
      waitPolicy: {
        deadline: Date.now() + 60_000,
        pollMs: 0,
        beforePoll: async (awaiting) => {
          moved.push(awaiting.condition);
          height = Number(awaiting.condition?.untilBlock);
        },
      },
    });
    expect(result.status).to.equal("completed");
    expect(moved).to.deep.equal([{ kind: "blocks", untilBlock: 12 }]);
    expect(findStep(result.state, "watch")?.output).to.deep.equal({ height: 12 });
  });

  it("stops polling a wait at a stop request and leaves the run waiting", async () => {
    const stop = new StopRequest();
    const waiting: Step = {
      id: "watch",
      phase: "stabilize",
      changesTarget: false,
      run: (ctx) => ctx.wait({ reason: "forever" }),
    };
    const result = await runPlan({
      plan: plan(target, { steps: [changing(target, "a"), waiting] }),
      baseDir: dir,
      stop,
      waitPolicy: { deadline: Date.now() + 60_000, pollMs: 60_000 },
      onEvent: (event) => event.type === "step.waiting" && stop.request("SIGTERM"),
    });
    expect(result.status).to.equal("waiting");
    expect(result.state.interruptions).to.have.length(1);
    expect(result.state.interruptions[0]).to.include({ reason: "SIGTERM", mode: "forward" });
  });

  it("abandons an unfinished run after reconciling it, journaling what the target looks like", async () => {
    const stop = new StopRequest();
    const stopped = await runPlan({
      plan: plan(target),
      baseDir: dir,
      stop,
      autoRollback: false,
      onEvent: stopAt(stop, "step.started", "b"),
    });
    expect(stopped.status).to.equal("interrupted");
    const observedPlan = plan(target, {
      observeTarget: async () => ({ applied: target.counts().size }),
    });
    const declined = await abandonRun({
      plan: observedPlan,
      baseDir: dir,
      runId: stopped.runId,
      reason: "test",
      confirm: async () => false,
    });
    expect(declined).to.equal(undefined);
    const abandoned = await abandonRun({
      plan: observedPlan,
      baseDir: dir,
      runId: stopped.runId,
      reason: "the operator fixed it by hand",
    });
    expect(abandoned?.status).to.equal("abandoned");
    expect(abandoned?.state.abandoned).to.deep.include({
      reason: "the operator fixed it by hand",
      observed: { applied: 2 },
    });
    expect(findBlockingRuns(dir, "stops")).to.deep.equal([]);
    const resume = await catchAsync(
      resumeRun({ plan: plan(target), baseDir: dir, runId: stopped.runId }),
    );
    expect(resume?.code).to.equal("AEGIS-E155");
    const again = await catchAsync(
      abandonRun({ plan: plan(target), baseDir: dir, runId: stopped.runId, reason: "twice" }),
    );
    expect(again?.code).to.equal("AEGIS-E156");
  });

  it("refuses a resume whose target moved, writing nothing, and keeps the plan's input in the journal", async () => {
    const stop = new StopRequest();
    const stopped = await runPlan({
      plan: plan(target, { rollbackOnStopBefore: "b" }),
      baseDir: dir,
      stop,
      onEvent: stopAt(stop, "step.started", "b"),
    });
    expect(stopped.status).to.equal("interrupted");
    expect(stopped.state.hashInput).to.deep.equal({ proxy: "0xabc", version: 2 });
    const linesBefore = stopped.state.lastSeq;
    const moved = plan(target, {
      revalidate: async () => {
        throw new AegisError("AEGIS-E335", "the target changed", "look first");
      },
    });
    const refused = await catchAsync(
      resumeRun({ plan: moved, baseDir: dir, runId: stopped.runId }),
    );
    expect(refused?.code).to.equal("AEGIS-E335");
    const listed = listRuns(dir)[0];
    expect(listed?.readable && listed.status).to.equal("interrupted");
    const refusedRollback = await catchAsync(
      rollbackRun({ plan: moved, baseDir: dir, runId: stopped.runId }),
    );
    expect(refusedRollback?.code).to.equal("AEGIS-E335");
    const state = (await resumeRun({ plan: plan(target), baseDir: dir, runId: stopped.runId }))
      .state;
    // The refused sessions wrote nothing: the resume's first line follows the stop's last.
    expect(state.sessions).to.have.length(2);
    expect(state.lastSeq).to.be.greaterThan(linesBefore);
  });
});

describe("the lock port", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("runs with a locker of the kind's own, and a second run of the target waits for it", async () => {
    const held = new Map<string, string>();
    const calls: string[] = [];
    const locker: TargetLocker = {
      async acquire({ targetKey, runId }) {
        calls.push(`acquire ${targetKey}`);
        if (held.has(targetKey))
          throw new AegisError("AEGIS-E120", `held by ${held.get(targetKey)}`, "wait");
        held.set(targetKey, runId);
        return {
          targetKey,
          owner: { pid: 1, host: "memory", runId },
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
          renewEveryMs: 60_000,
          lost: false,
          renew: async () => true,
          release: async () => {
            calls.push(`release ${targetKey}`);
            held.delete(targetKey);
          },
        };
      },
    };
    const target = new FakeTarget(path.join(dir, "target.log"));
    let second: Error | undefined;
    const first = await runPlan({
      plan: plan(target),
      baseDir: dir,
      locker,
      targetKey: "memory-target",
      onEvent: async (event) => {
        if (event.type !== "step.started" || second) return;
        second = await catchAsync(
          runPlan({ plan: plan(target), baseDir: dir, locker, targetKey: "memory-target" }),
        );
      },
    });
    expect(first.status).to.equal("completed");
    expect((second as { code?: string } | undefined)?.code).to.equal("AEGIS-E120");
    expect(calls[0]).to.equal("acquire memory-target");
    expect(calls.at(-1)).to.equal("release memory-target");
    expect(first.state.locks.map((lock) => lock.event)).to.deep.equal(["acquired", "released"]);
  });
});
