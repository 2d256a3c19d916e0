import * as fs from "node:fs";

import { expect } from "chai";

import type { EngineEvent } from "../../src/core/engine-events";
import { readJournal } from "../../src/core/journal-reader";
import type { Plan } from "../../src/core/plan-types";
import { runPlan } from "../../src/core/run-plan";
import { journalFileOf, lockFileOf, runsDirOf } from "../../src/core/run-paths";
import { readTargetLock } from "../../src/core/target-lock";
import { catchAsync } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

/** A plan whose only step waits for `gate` to resolve, signalling `entered` first. */
function blockingPlan(id: string): { plan: Plan; entered: Promise<void>; release: () => void } {
  let release!: () => void;
  let signalEntered!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const entered = new Promise<void>((resolve) => (signalEntered = resolve));
  const plan: Plan = {
    id,
    hashInput: {},
    steps: [
      {
        id: "hold",
        phase: "execute",
        changesTarget: true,
        undo: { irreversible: "test" },
        run: async () => {
          signalEntered();
          await gate;
          return "held";
        },
      },
    ],
  };
  return { plan, entered, release };
}

describe("concurrent runs on one target", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("refuses a second run while the first holds the target's lock (AEGIS-E120), then lets it run", async () => {
    const first = blockingPlan("upgrade");
    const running = runPlan({ plan: first.plan, baseDir: dir, targetKey: "31337-0x5FbD" });
    await first.entered;
    const second = blockingPlan("upgrade");
    second.release();
    const error = await catchAsync(
      runPlan({ plan: second.plan, baseDir: dir, targetKey: "31337-0x5FbD" }),
    );
    expect(error?.code).to.equal("AEGIS-E120");
    expect(error?.message).to.contain(readTargetLock(dir, "31337-0x5FbD")?.owner.runId as string);
    // The refused run left no run folder behind.
    expect(fs.readdirSync(runsDirOf(dir))).to.have.length(1);
    first.release();
    expect((await running).status).to.equal("completed");
    expect(readTargetLock(dir, "31337-0x5FbD")).to.equal(undefined);
    expect(
      (await runPlan({ plan: second.plan, baseDir: dir, targetKey: "31337-0x5FbD" })).status,
    ).to.equal("completed");
  });

  it("lets runs on different targets proceed side by side", async () => {
    const a = blockingPlan("a");
    const b = blockingPlan("b");
    const runA = runPlan({ plan: a.plan, baseDir: dir });
    const runB = runPlan({ plan: b.plan, baseDir: dir });
    await Promise.all([a.entered, b.entered]);
    a.release();
    b.release();
    expect((await Promise.all([runA, runB])).map((result) => result.status)).to.deep.equal([
      "completed",
      "completed",
    ]);
  });

  it("takes over an expired lock left by a crashed run on another host, and journals it", async () => {
    fs.mkdirSync(`${dir}/locks`);
    const previousOwner = { pid: 999, host: "ci-runner-7", runId: "20260101-000000-upgrade" };
    fs.writeFileSync(
      lockFileOf(dir, "upgrade"),
      JSON.stringify({
        lockVersion: 1,
        targetKey: "upgrade",
        owner: previousOwner,
        token: "old",
        acquiredAt: "2026-01-01T00:00:00.000Z",
        renewedAt: "2026-01-01T00:00:00.000Z",
        expiresAt: "2026-01-01T00:01:00.000Z",
      }),
    );
    const events: EngineEvent[] = [];
    const plan: Plan = {
      id: "upgrade",
      hashInput: {},
      steps: [{ id: "s", phase: "assess", changesTarget: false, run: () => 1 }],
    };
    const result = await runPlan({ plan, baseDir: dir, onEvent: (event) => events.push(event) });
    expect(result.status).to.equal("completed");
    const line = readJournal(journalFileOf(result.runDir)).lines.find(
      (candidate) => candidate.type === "LOCK_TAKEN_OVER",
    );
    expect(line).to.deep.include({
      reason: "expired",
      previousOwner,
      previousExpiresAt: "2026-01-01T00:01:00.000Z",
    });
    expect(events.find((event) => event.type === "lock.taken-over")).to.deep.include({
      previousOwner,
      reason: "expired",
    });
    expect(result.state.locks.map((lock) => lock.event)).to.deep.equal(["taken-over", "released"]);
  });

  it("stops writing as soon as the heartbeat finds its lock taken over (AEGIS-E121)", async () => {
    let lost!: () => void;
    const lostSeen = new Promise<void>((resolve) => (lost = resolve));
    const plan: Plan = {
      id: "stolen",
      hashInput: {},
      steps: [
        {
          id: "long",
          phase: "execute",
          changesTarget: true,
          undo: { irreversible: "test" },
          run: async (ctx) => {
            const file = lockFileOf(dir, "stolen");
            const record = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
            fs.writeFileSync(
              file,
              JSON.stringify({
                ...record,
                token: "thief",
                owner: { pid: 1, host: "elsewhere", runId: "thief" },
              }),
            );
            await lostSeen;
            return ctx.effect("late", { intent: {}, apply: () => "must not happen" });
          },
        },
      ],
    };
    const error = await catchAsync(
      runPlan({
        plan,
        baseDir: dir,
        lock: { ttlMs: 60_000, heartbeatMs: 5 },
        onEvent: (event) => {
          if (event.type === "lock.lost") lost();
        },
      }),
    );
    expect(error?.code).to.equal("AEGIS-E121");
    const [runId] = fs.readdirSync(runsDirOf(dir));
    const types = readJournal(journalFileOf(`${runsDirOf(dir)}/${runId}`)).lines.map(
      (line) => line.type,
    );
    expect(types).to.not.include("EFFECT_INTENT");
    expect(types[types.length - 1]).to.equal("STEP_STARTED");
    // The thief's lock is left alone.
    expect(readTargetLock(dir, "stolen")?.owner.runId).to.equal("thief");
  });
});
