import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import type { EngineEvent } from "../../src/core/engine-events";
import { AegisError, EffectNotAppliedError } from "../../src/core/errors";
import { readJournal } from "../../src/core/journal-reader";
import { listRuns } from "../../src/core/list-runs";
import type { Plan, Step } from "../../src/core/plan-types";
import { readRunState } from "../../src/core/read-run-state";
import { resumeRun } from "../../src/core/resume-run";
import { rollbackRun } from "../../src/core/rollback-run";
import { runPlan } from "../../src/core/run-plan";
import { journalFileOf } from "../../src/core/run-paths";
import { findStep } from "../../src/core/run-state";
import { wipeStep } from "../../src/core/wipe-step";
import { FakeTarget } from "./fixtures/fake-target";
import { catchAsync } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

/** A target-changing step applying one fake effect per key, with a rollback applying `rb.<key>`. */
function changing(target: FakeTarget, id: string, keys: string[], extra: Partial<Step> = {}): Step {
  return {
    id,
    phase: "execute",
    changesTarget: true,
    undo: "reversible",
    run: async (ctx) => {
      const outcomes: unknown[] = [];
      for (const key of keys)
        outcomes.push(await ctx.effect(key, { intent: { key }, apply: () => target.apply(key) }));
      return outcomes;
    },
    rollback: async (ctx) => {
      for (const effect of [...ctx.forwardEffects].reverse()) {
        if (effect.status !== "applied") continue;
        const key = `rb.${(effect.intent as { key: string }).key}`;
        await ctx.effect(`undo-${effect.key}`, { intent: { key }, apply: () => target.apply(key) });
      }
    },
    ...extra,
  };
}

/** Asserts that `expected` appears in `actual` in order (not necessarily contiguously). */
function expectSubsequence(actual: string[], expected: string[]): void {
  let index = 0;
  for (const item of actual) if (item === expected[index]) index += 1;
  expect(index, `${JSON.stringify(expected)} in order within ${JSON.stringify(actual)}`).to.equal(
    expected.length,
  );
}

function journalTypes(runDir: string): string[] {
  return readJournal(journalFileOf(runDir)).lines.map((line) => line.type);
}

describe("running plans", () => {
  let dir: string;
  let target: FakeTarget;
  beforeEach(() => {
    dir = makeTempDir();
    target = new FakeTarget(path.join(dir, "applied.log"));
  });
  afterEach(() => removeTempDir(dir));

  it("runs steps in order; later steps read earlier outputs, bigints intact", async () => {
    const seen: unknown[] = [];
    const plan: Plan = {
      id: "outputs",
      hashInput: {},
      steps: [
        {
          id: "read",
          phase: "assess",
          changesTarget: false,
          run: () => ({ supply: 10n ** 27n, bytes: new Uint8Array([7]) }),
        },
        {
          id: "use",
          phase: "validate",
          changesTarget: false,
          run: (ctx) => {
            seen.push(
              ctx.output("read"),
              ctx.output("outputs#read"),
              ctx.hasOutput("read"),
              ctx.hasOutput("use"),
            );
            return { doubled: ctx.output<{ supply: bigint }>("read").supply * 2n };
          },
        },
      ],
    };
    const result = await runPlan({ plan, baseDir: dir });
    expect(result.status).to.equal("completed");
    expect(seen[0]).to.deep.equal({ supply: 10n ** 27n, bytes: new Uint8Array([7]) });
    expect(seen.slice(1)).to.deep.equal([
      { supply: 10n ** 27n, bytes: new Uint8Array([7]) },
      true,
      false,
    ]);
    expect(findStep(result.state, "use")?.output).to.deep.equal({ doubled: 2n * 10n ** 27n });
    expect(readRunState(result.runDir).state).to.deep.equal(result.state);
  });

  it("emits a typed event for every transition, after its journal line, with durations", async () => {
    const events: EngineEvent[] = [];
    const plan: Plan = {
      id: "events",
      hashInput: {},
      steps: [
        changing(target, "write", ["w1"], {
          verify: () => ({ verdict: "warn", figures: { n: 1 }, message: "close" }),
        }),
      ],
    };
    const result = await runPlan({ plan, baseDir: dir, onEvent: (event) => events.push(event) });
    expect(events.map((event) => event.type)).to.deep.equal([
      "run.started",
      "run.preview",
      "lock.acquired",
      "step.started",
      "effect.intent",
      "effect.applied",
      "step.completed",
      "step.verified",
      "run.completed",
      "lock.released",
    ]);
    expect(
      events.every((event) => event.runId === result.runId && !Number.isNaN(Date.parse(event.at))),
    ).to.equal(true);
    const completed = events.find((event) => event.type === "step.completed");
    expect(completed?.type === "step.completed" && completed.durationMs).to.be.a("number");
    const verified = events.find((event) => event.type === "step.verified");
    expect(verified).to.deep.include({ verdict: "warn", message: "close", figures: { n: 1 } });
  });

  it("has the intent on disk before apply runs, and the outcome after", async () => {
    let lastLineDuringApply: unknown;
    const plan: Plan = {
      id: "intent-first",
      hashInput: {},
      steps: [
        {
          id: "tx",
          phase: "execute",
          changesTarget: true,
          undo: { irreversible: "test" },
          run: async (ctx) =>
            ctx.effect("send", {
              intent: { nonce: 7, privateKey: "0xsecret" },
              apply: (io) => {
                const file = journalFileOf(
                  path.join(dir, "runs", fs.readdirSync(path.join(dir, "runs"))[0] as string),
                );
                const lines = readJournal(file).lines;
                lastLineDuringApply = lines[lines.length - 1];
                expect(io.intent).to.deep.equal({ nonce: 7, privateKey: "[REDACTED]" });
                return { hash: "0x91c3" };
              },
            }),
        },
      ],
    };
    const result = await runPlan({ plan, baseDir: dir });
    expect(lastLineDuringApply).to.deep.include({
      type: "EFFECT_INTENT",
      key: "send",
      intent: { nonce: 7, privateKey: "[REDACTED]" },
    });
    expectSubsequence(journalTypes(result.runDir), [
      "EFFECT_INTENT",
      "EFFECT_OUTCOME",
      "STEP_COMPLETED",
    ]);
    expect(findStep(result.state, "tx")?.output).to.deep.equal({ hash: "0x91c3" });
  });

  it("re-enters a waiting step: journaled effects are replayed, not re-applied", async () => {
    let ready = false;
    const plan: Plan = {
      id: "reentry",
      hashInput: {},
      reconcile: target.reconcile,
      steps: [
        {
          ...changing(target, "multi", []),
          run: async (ctx) => {
            const a = await ctx.effect("a", {
              intent: { key: "a" },
              apply: () => target.apply("a"),
            });
            const b = await ctx.effect("b", {
              intent: { key: "b" },
              apply: () => target.apply("b"),
            });
            if (!ready)
              ctx.wait({ reason: "two confirmations", condition: { kind: "blocks", n: 2 } });
            const c = await ctx.effect("c", {
              intent: { key: "c" },
              apply: () => target.apply("c"),
            });
            return { a, b, c, attempt: ctx.attempt };
          },
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir });
    expect(first.status).to.equal("waiting");
    expect(first.awaiting).to.deep.equal({
      reason: "two confirmations",
      condition: { kind: "blocks", n: 2 },
      step: "reentry#multi",
    });

    const events: string[] = [];
    const still = await resumeRun({
      plan,
      baseDir: dir,
      runId: first.runId,
      onEvent: (event) => events.push(event.type),
    });
    expect(still.status).to.equal("waiting");
    expect(events.filter((type) => type === "effect.replayed")).to.have.length(2);

    ready = true;
    const done = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(done.status).to.equal("completed");
    expect([...target.counts()]).to.deep.equal([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    expect(findStep(done.state, "multi")?.output).to.deep.include({ attempt: 3 });
  });

  it("waits inside an effect (a proposed multisig transaction) and asks the reconcile port on resume", async () => {
    let executed: "no" | "yes" = "no";
    const plan: Plan = {
      id: "multisig",
      hashInput: {},
      reconcile: (effect) =>
        executed === "yes"
          ? { status: "applied", outcome: { executedBy: "safe", notes: effect.notes } }
          : {
              status: "pending",
              awaiting: { reason: "2 of 3 signatures", condition: { safeTxHash: "0xabc" } },
            },
      steps: [
        {
          id: "propose",
          phase: "execute",
          changesTarget: true,
          undo: { irreversible: "test" },
          run: (ctx) =>
            ctx.effect("upgrade", {
              intent: { safeTxHash: "0xabc" },
              apply: (io) => {
                io.note({ proposed: true });
                return io.wait({ reason: "2 of 3 signatures" });
              },
            }),
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir });
    expect(first.status).to.equal("waiting");
    const second = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(second.status).to.equal("waiting");
    expect(second.awaiting?.condition).to.deep.equal({ safeTxHash: "0xabc" });
    executed = "yes";
    const third = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(third.status).to.equal("completed");
    expect(findStep(third.state, "propose")?.output).to.deep.equal({
      executedBy: "safe",
      notes: [{ proposed: true }],
    });
    const results = readJournal(journalFileOf(first.runDir)).lines.flatMap((line) =>
      line.type === "EFFECT_RECONCILED" ? [line.result] : [],
    );
    expect(results).to.deep.equal(["pending", "applied"]);
  });

  it("fails a step rather than guess when an intent has no outcome and no reconcile port (AEGIS-E131)", async () => {
    const plan: Plan = {
      id: "no-port",
      hashInput: {},
      steps: [
        {
          id: "s",
          phase: "execute",
          changesTarget: true,
          undo: { irreversible: "test" },
          run: (ctx) =>
            ctx.effect("e", { intent: {}, apply: (io) => io.wait({ reason: "later" }) }),
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir });
    const second = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    // Not rolled back automatically either: nobody knows what the target looks like.
    expect(second.status).to.equal("failed");
    expect(second.failure?.error.code).to.equal("AEGIS-E131");
  });

  it("reports a failing reconcile port as AEGIS-E135 and does not roll back on a guess", async () => {
    let portUp = false;
    const plan: Plan = {
      id: "port-down",
      hashInput: {},
      reconcile: () => {
        if (!portUp) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
        return { status: "applied", outcome: "found" };
      },
      steps: [
        changing(target, "before", ["b"]),
        {
          id: "s",
          phase: "execute",
          changesTarget: true,
          undo: { irreversible: "test" },
          run: (ctx) =>
            ctx.effect("e", { intent: {}, apply: (io) => io.wait({ reason: "mined?" }) }),
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir });
    const second = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(second.status).to.equal("failed");
    expect(second.failure?.error.code).to.equal("AEGIS-E135");
    expect(second.failure?.error.message).to.contain("ECONNREFUSED");
    expect(target.counts().has("rb.b")).to.equal(false);
    portUp = true;
    const third = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(third.status).to.equal("completed");
    expect(findStep(third.state, "s")?.output).to.equal("found");
  });

  it("refuses to resume with a plan whose hash differs, naming the changed field (AEGIS-E105)", async () => {
    const plan = (amount: bigint): Plan => ({
      id: "hash",
      hashInput: { amount },
      steps: [
        { id: "s", phase: "assess", changesTarget: false, run: (ctx) => ctx.wait({ reason: "x" }) },
      ],
    });
    const first = await runPlan({ plan: plan(1n), baseDir: dir });
    const error = await catchAsync(resumeRun({ plan: plan(2n), baseDir: dir, runId: first.runId }));
    expect(error?.code).to.equal("AEGIS-E105");
    expect(error?.message).to.contain("hashInput.amount changed from 1n to 2n");
  });

  it("blocks on a failed step; resume retries it; an effect that said 'not applied' is applied again", async () => {
    let fail = true;
    const plan: Plan = {
      id: "retry",
      hashInput: {},
      steps: [
        changing(target, "first", ["f1"]),
        {
          ...changing(target, "second", []),
          run: async (ctx) => {
            await ctx.effect("s1", { intent: { key: "s1" }, apply: () => target.apply("s1") });
            return ctx.effect("s2", {
              intent: { key: "s2" },
              apply: () => {
                if (fail) throw new EffectNotAppliedError("gas price above the cap");
                return target.apply("s2");
              },
            });
          },
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir, autoRollback: false });
    expect(first.status).to.equal("failed");
    expect(first.failure).to.deep.include({ step: "retry#second", scope: "run" });
    expect(first.failure?.error.code).to.equal("AEGIS-E134");
    fail = false;
    const second = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(second.status).to.equal("completed");
    expect([...target.counts()]).to.deep.equal([
      ["f1", 1],
      ["s1", 1],
      ["s2", 1],
    ]);
    expect(second.state.sessions.map((session) => session.kind)).to.deep.equal(["start", "retry"]);
  });

  it("does not roll back by itself after a failure that leaves the next move to a person (forPerson)", async () => {
    class SomeoneElseActed extends AegisError {
      override readonly forPerson = true;
      constructor() {
        super("AEGIS-E999", "someone cancelled the scheduled call", "a person decides");
      }
    }
    const plan: Plan = {
      id: "person",
      hashInput: {},
      steps: [
        changing(target, "change", ["p1"]),
        {
          id: "cancelled",
          phase: "execute",
          changesTarget: false,
          run: () => {
            throw new SomeoneElseActed();
          },
        },
      ],
    };
    const result = await runPlan({ plan, baseDir: dir });
    expect(result.status).to.equal("failed");
    expect(result.failure?.error).to.deep.include({ code: "AEGIS-E999", forPerson: true });
    expect([...target.counts().keys()]).to.deep.equal(["p1"]);
  });

  it("wraps a foreign error as AEGIS-E100 with its message", async () => {
    const plan: Plan = {
      id: "foreign",
      hashInput: {},
      steps: [
        {
          id: "s",
          phase: "assess",
          changesTarget: false,
          run: () => {
            throw new TypeError("x is undefined");
          },
        },
      ],
    };
    const result = await runPlan({ plan, baseDir: dir });
    expect(result.failure?.error).to.deep.include({
      code: "AEGIS-E100",
      message: "step threw TypeError: x is undefined",
    });
  });

  it("rolls completed steps back in reverse on a failure, each journaled, rollback effects included", async () => {
    const events: string[] = [];
    const plan: Plan = {
      id: "auto",
      hashInput: {},
      steps: [
        { id: "read", phase: "assess", changesTarget: false, run: () => 1 },
        changing(target, "one", ["o1"]),
        changing(target, "two", ["t1", "t2"]),
        {
          id: "boom",
          phase: "validate",
          changesTarget: false,
          run: () => {
            throw new Error("invariant broke");
          },
        },
      ],
    };
    const result = await runPlan({
      plan,
      baseDir: dir,
      onEvent: (event) => events.push(event.type),
    });
    expect(result.status).to.equal("rolled-back");
    expect(result.failure?.step).to.equal("auto#boom");
    expect([...target.counts().keys()]).to.deep.equal([
      "o1",
      "t1",
      "t2",
      "rb.t2",
      "rb.t1",
      "rb.o1",
    ]);
    const types = journalTypes(result.runDir);
    const rollbackPart = types.slice(types.indexOf("ROLLBACK_STARTED"));
    expect(rollbackPart).to.deep.equal([
      "ROLLBACK_STARTED",
      "STEP_ROLLBACK_STARTED",
      "EFFECT_INTENT",
      "EFFECT_OUTCOME",
      "EFFECT_INTENT",
      "EFFECT_OUTCOME",
      "STEP_ROLLED_BACK",
      "STEP_ROLLBACK_STARTED",
      "EFFECT_INTENT",
      "EFFECT_OUTCOME",
      "STEP_ROLLED_BACK",
      "ROLLBACK_COMPLETED",
      "LOCK_RELEASED",
    ]);
    expect(result.state.rollback?.steps).to.deep.equal(["auto#two", "auto#one"]);
    expectSubsequence(events, [
      "step.failed",
      "run.failed",
      "rollback.started",
      "rollback.completed",
    ]);
  });

  it("stops at a stop verdict; without autoRollback resume is refused (AEGIS-E150) until overridden", async () => {
    const plan: Plan = {
      id: "stop",
      hashInput: {},
      steps: [
        changing(target, "change", ["c1"]),
        {
          id: "check",
          phase: "validate",
          changesTarget: false,
          run: () => 0,
          verify: () => ({
            verdict: "stop",
            figures: { sharePrice: { before: 1041200n, after: 1039800n } },
          }),
        },
        { id: "after", phase: "stabilize", changesTarget: false, run: () => "ran" },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir, autoRollback: false });
    expect(first.status).to.equal("failed");
    expect(first.failure?.error.code).to.equal("AEGIS-E151");
    expect(
      (await catchAsync(resumeRun({ plan, baseDir: dir, runId: first.runId })))?.code,
    ).to.equal("AEGIS-E150");
    expect(
      (
        await catchAsync(
          resumeRun({
            plan,
            baseDir: dir,
            runId: first.runId,
            overrides: [{ step: "change", reason: "x" }],
          }),
        )
      )?.code,
    ).to.equal("AEGIS-E154");
    const resumed = await resumeRun({
      plan,
      baseDir: dir,
      runId: first.runId,
      overrides: [{ step: "check", reason: "rounding, reviewed by A. and B." }],
    });
    expect(resumed.status).to.equal("completed");
    expect(findStep(resumed.state, "after")?.output).to.equal("ran");
    expect(resumed.state.overrides).to.deep.equal([
      {
        step: "stop#check",
        reason: "rounding, reviewed by A. and B.",
        at: resumed.state.overrides[0]?.at,
      },
    ]);
    expect(target.count("c1")).to.equal(1);
  });

  it("rolls a completed run back on request; an irreversible step is skipped and said so; twice is refused", async () => {
    const plan: Plan = {
      id: "manual",
      hashInput: {},
      steps: [
        changing(target, "pause", ["pause"]),
        {
          ...changing(target, "burn", ["burn"]),
          undo: { irreversible: "burnt tokens are gone" },
          rollback: undefined,
        },
        changing(target, "upgrade", ["upgrade"]),
      ],
    };
    const done = await runPlan({ plan, baseDir: dir });
    expect(done.status).to.equal("completed");
    const events: string[] = [];
    const rolled = await rollbackRun({
      plan,
      baseDir: dir,
      runId: done.runId,
      onEvent: (event) => events.push(event.type),
    });
    expect(rolled.status).to.equal("rolled-back");
    expect([...target.counts().keys()]).to.deep.equal([
      "pause",
      "burn",
      "upgrade",
      "rb.upgrade",
      "rb.pause",
    ]);
    expect(findStep(rolled.state, "burn")?.rollback).to.deep.include({
      status: "skipped",
      skipped: { reason: "irreversible", why: "burnt tokens are gone" },
    });
    expect(events).to.include("rollback.step-skipped");
    expect(rolled.state.rollback?.reason).to.equal("requested");
    expect(
      (await catchAsync(rollbackRun({ plan, baseDir: dir, runId: done.runId })))?.code,
    ).to.equal("AEGIS-E153");
  });

  it("stops on a failed rollback, and a second rollback finishes without repeating undone effects", async () => {
    let broken = true;
    const plan: Plan = {
      id: "rbfail",
      hashInput: {},
      steps: [
        changing(target, "one", ["o1"]),
        {
          ...changing(target, "two", ["t1"]),
          rollback: async (ctx) => {
            await ctx.effect("undo-a", {
              intent: { key: "rb.t1.a" },
              apply: () => target.apply("rb.t1.a"),
            });
            if (broken) throw new Error("node unreachable");
            await ctx.effect("undo-b", {
              intent: { key: "rb.t1.b" },
              apply: () => target.apply("rb.t1.b"),
            });
          },
        },
        {
          id: "fail",
          phase: "validate",
          changesTarget: false,
          run: () => {
            throw new Error("x");
          },
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir });
    expect(first.status).to.equal("failed");
    expect(first.failure).to.deep.include({ step: "rbfail#two", scope: "rollback" });
    broken = false;
    const second = await rollbackRun({ plan, baseDir: dir, runId: first.runId });
    expect(second.status).to.equal("rolled-back");
    expect([...target.counts()]).to.deep.equal([
      ["o1", 1],
      ["t1", 1],
      ["rb.t1.a", 1],
      ["rb.t1.b", 1],
      ["rb.o1", 1],
    ]);
  });

  it("dry run: target-changing steps are skipped with what they would do; reads and checks run", async () => {
    const events: EngineEvent[] = [];
    const plan: Plan = {
      id: "dry",
      hashInput: {},
      steps: [
        {
          id: "read",
          phase: "assess",
          changesTarget: false,
          run: () => ({ owner: "0xf39F" }),
          verify: () => ({ verdict: "go", figures: {} }),
        },
        { ...changing(target, "pause", ["pause"]), describe: () => "would send pause() to 0x5FbD" },
        {
          ...changing(target, "burn", ["burn"]),
          undo: { irreversible: "burns" },
          rollback: undefined,
        },
        {
          id: "check",
          phase: "validate",
          changesTarget: false,
          run: (ctx) => ({ sawPause: ctx.hasOutput("pause") }),
        },
      ],
    };
    const result = await runPlan({
      plan,
      baseDir: dir,
      dryRun: true,
      onEvent: (event) => events.push(event),
    });
    expect(result.status).to.equal("dry-run");
    expect(target.counts().size).to.equal(0);
    expect(result.state.steps.map((step) => step.status)).to.deep.equal([
      "completed",
      "skipped",
      "skipped",
      "completed",
    ]);
    expect(findStep(result.state, "pause")?.skipped).to.deep.equal({
      reason: "dry-run",
      description: "would send pause() to 0x5FbD",
    });
    expect(findStep(result.state, "check")?.output).to.deep.equal({ sawPause: false });
    const preview = events.find((event) => event.type === "run.preview");
    expect(preview?.type === "run.preview" && preview.preview.notFullyReversible).to.deep.equal([
      { id: "dry#burn", undo: "irreversible", why: "burns" },
    ]);
    expect(
      events
        .filter((event) => event.type === "step.skipped")
        .map((event) => event.type === "step.skipped" && event.reason),
    ).to.deep.equal(["dry-run", "dry-run"]);
    expect(
      (await catchAsync(rollbackRun({ plan, baseDir: dir, runId: result.runId })))?.code,
    ).to.equal("AEGIS-E153");
  });

  it("tells a step reading a skipped step's output why it is missing (AEGIS-E140)", async () => {
    const plan: Plan = {
      id: "dry-read",
      hashInput: {},
      steps: [
        changing(target, "upgrade", ["u"]),
        {
          id: "check",
          phase: "validate",
          changesTarget: false,
          run: (ctx) => ctx.output("upgrade"),
        },
      ],
    };
    const result = await runPlan({ plan, baseDir: dir, dryRun: true });
    expect(result.status).to.equal("failed");
    expect(result.failure?.error.code).to.equal("AEGIS-E140");
    expect(result.failure?.error.message).to.contain("skipped by the dry run");
  });

  it("wipes a failed step (journaled) so the next resume runs it from scratch; refuses other steps (AEGIS-E152)", async () => {
    let attempt = 0;
    const plan: Plan = {
      id: "wipe",
      hashInput: {},
      steps: [
        changing(target, "first", ["f"]),
        {
          ...changing(target, "stuck", []),
          run: async (ctx) => {
            attempt += 1;
            return ctx.effect("tx", {
              intent: { key: `tx-${attempt}` },
              apply: () => {
                if (attempt === 1) throw new Error("dropped from the mempool");
                return target.apply(`tx-${attempt}`);
              },
            });
          },
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir, autoRollback: false });
    expect(first.status).to.equal("failed");
    expect(
      (await catchAsync(wipeStep({ baseDir: dir, runId: first.runId, step: "first" })))?.code,
    ).to.equal("AEGIS-E152");
    const wiped = await wipeStep({
      baseDir: dir,
      runId: first.runId,
      step: "stuck",
      reason: "checked: tx never mined",
    });
    expect(findStep(wiped, "stuck")?.status).to.equal("pending");
    expect(wiped.status).to.equal("interrupted");
    // Without the wipe, the unknown outcome would need a reconcile port; after it, the step starts over.
    const done = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(done.status).to.equal("completed");
    expect(done.state.wipes[0]).to.deep.include({
      step: "wipe#stuck",
      reason: "checked: tx never mined",
    });
    expect([...target.counts().keys()]).to.deep.equal(["f", "tx-2"]);
    expect(journalTypes(first.runDir)).to.include("STEP_WIPED");
  });

  it("writes artifacts atomically with their sha256 and reads them back on resume; tampering is caught (AEGIS-E141)", async () => {
    let wait = true;
    const plan: Plan = {
      id: "artifacts",
      hashInput: {},
      steps: [
        {
          id: "snapshot",
          phase: "prepare",
          changesTarget: false,
          run: async (ctx) => {
            const ref = await ctx.writeArtifact("slots.json", JSON.stringify({ "0x0": "0x01" }));
            return { path: ref.path, sha256: ref.sha256 };
          },
        },
        {
          id: "compare",
          phase: "validate",
          changesTarget: false,
          run: (ctx) => {
            if (wait) ctx.wait({ reason: "later" });
            return JSON.parse(
              ctx.readArtifact("slots.json", "snapshot").toString("utf8"),
            ) as unknown;
          },
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir });
    const output = findStep(first.state, "snapshot")?.output as { path: string; sha256: string };
    expect(output.path).to.equal("artifacts/snapshot/slots.json");
    expect(fs.readFileSync(path.join(first.runDir, output.path), "utf8")).to.equal(
      '{"0x0":"0x01"}',
    );
    expect(fs.readdirSync(path.join(first.runDir, "artifacts", "snapshot"))).to.deep.equal([
      "slots.json",
    ]);
    wait = false;
    const done = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(findStep(done.state, "compare")?.output).to.deep.equal({ "0x0": "0x01" });

    // A second run whose artifact is changed on disk while it waits.
    wait = true;
    const second = await runPlan({ plan, baseDir: dir });
    fs.writeFileSync(path.join(second.runDir, "artifacts", "snapshot", "slots.json"), "{}");
    wait = false;
    const tampered = await resumeRun({ plan, baseDir: dir, runId: second.runId });
    expect(tampered.status).to.equal("failed");
    expect(tampered.failure?.error.code).to.equal("AEGIS-E141");
  });

  it("catches steps that lie about their declaration or reuse an effect key (AEGIS-E132, AEGIS-E130)", async () => {
    const liar: Plan = {
      id: "liar",
      hashInput: {},
      steps: [
        {
          id: "s",
          phase: "assess",
          changesTarget: false,
          run: (ctx) => ctx.effect("e", { intent: {}, apply: () => 1 }),
        },
      ],
    };
    expect((await runPlan({ plan: liar, baseDir: dir })).failure?.error.code).to.equal(
      "AEGIS-E132",
    );
    const twice: Plan = {
      id: "twice",
      hashInput: {},
      steps: [
        {
          ...changing(target, "s", []),
          run: async (ctx) => {
            await ctx.effect("e", { intent: { key: "e" }, apply: () => target.apply("e") });
            await ctx.effect("e", { intent: { key: "e" }, apply: () => target.apply("e") });
          },
        },
      ],
    };
    const result = await runPlan({ plan: twice, baseDir: dir, autoRollback: false });
    expect(result.failure?.error.code).to.equal("AEGIS-E130");
    expect(target.count("e")).to.equal(1);
  });

  it("fails a step whose output cannot be journaled (AEGIS-E112) or whose verify returns nonsense (AEGIS-E107)", async () => {
    const plan: Plan = {
      id: "bad-output",
      hashInput: {},
      steps: [
        { id: "s", phase: "assess", changesTarget: false, run: () => ({ when: new Date(0) }) },
      ],
    };
    expect((await runPlan({ plan, baseDir: dir })).failure?.error.code).to.equal("AEGIS-E112");
    const verify: Plan = {
      id: "bad-verify",
      hashInput: {},
      steps: [
        {
          id: "s",
          phase: "assess",
          changesTarget: false,
          run: () => 1,
          verify: () => ({ verdict: "maybe" }) as never,
        },
      ],
    };
    expect((await runPlan({ plan: verify, baseDir: dir })).failure?.error.code).to.equal(
      "AEGIS-E107",
    );
  });

  it("keeps running when an event listener throws", async () => {
    const plan: Plan = { id: "listener", hashInput: {}, steps: [changing(target, "s", ["k"])] };
    const result = await runPlan({
      plan,
      baseDir: dir,
      onEvent: () => {
        throw new Error("renderer bug");
      },
    });
    expect(result.status).to.equal("completed");
    expect(target.count("k")).to.equal(1);
  });

  it("gives sortable run ids, unique within a second, and lists runs oldest first", async () => {
    const clock = () => new Date("2026-11-26T13:02:11.000Z");
    const plan: Plan = {
      id: "engine-v2",
      hashInput: {},
      steps: [{ id: "s", phase: "assess", changesTarget: false, run: () => 1 }],
    };
    const a = await runPlan({ plan, baseDir: dir, now: clock });
    const b = await runPlan({ plan, baseDir: dir, now: clock });
    expect(a.runId).to.equal("20261126-130211-engine-v2");
    expect(b.runId).to.equal("20261126-130211-engine-v2-2");
    const later = await runPlan({
      plan,
      baseDir: dir,
      now: () => new Date("2026-11-26T13:02:12.000Z"),
    });
    expect(listRuns(dir).map((run) => run.runId)).to.deep.equal([a.runId, b.runId, later.runId]);
    expect(listRuns(dir)[0]).to.deep.include({
      readable: true,
      status: "completed",
      stepsDone: 1,
      stepsTotal: 1,
    });
  });

  it("returns a finished run as it is when resumed, writing nothing", async () => {
    const plan: Plan = {
      id: "finished",
      hashInput: {},
      steps: [{ id: "s", phase: "assess", changesTarget: false, run: () => 1 }],
    };
    const done = await runPlan({ plan, baseDir: dir });
    const before = fs.readFileSync(journalFileOf(done.runDir));
    const again = await resumeRun({ plan, baseDir: dir, runId: done.runId });
    expect(again.status).to.equal("completed");
    expect(fs.readFileSync(journalFileOf(done.runDir)).equals(before)).to.equal(true);
  });
});
