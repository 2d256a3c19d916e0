import * as fs from "node:fs";
import * as os from "node:os";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { LockHeldError } from "../../src/core/errors";
import type { HeldLock, TargetLocker } from "../../src/core/lock-port";
import type { Plan } from "../../src/core/plan-types";
import { resumeRun } from "../../src/core/resume-run";
import { runPlan } from "../../src/core/run-plan";
import { locksDirOf } from "../../src/core/run-paths";
import { wipeStep } from "../../src/core/wipe-step";
import { catchAsync } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

/**
 * A locker kept in memory: the shape of a kind's own locker (ENGINE.md shows it), with a
 * `steal` for tests that take a holding away as another machine would.
 */
function memoryLocker(ttlMs = 60_000) {
  const holdings = new Map<string, { runId: string; token: number; expiresAt: number }>();
  const taken: string[] = [];
  let tokens = 0;
  const locker: TargetLocker = {
    async acquire({ targetKey, runId }) {
      const current = holdings.get(targetKey);
      if (current && current.expiresAt > Date.now()) {
        const owner = { pid: 0, host: "memory", runId: current.runId };
        throw new LockHeldError(targetKey, owner, new Date(current.expiresAt).toISOString());
      }
      const token = (tokens += 1);
      holdings.set(targetKey, { runId, token, expiresAt: Date.now() + ttlMs });
      taken.push(`${targetKey} ${runId}`);
      const mine = () => holdings.get(targetKey)?.token === token;
      const held: HeldLock = {
        targetKey,
        owner: { pid: process.pid, host: os.hostname(), runId },
        get expiresAt() {
          return new Date(holdings.get(targetKey)?.expiresAt ?? 0).toISOString();
        },
        renewEveryMs: 5,
        get lost() {
          return !mine();
        },
        async renew() {
          if (!mine()) return false;
          holdings.set(targetKey, { runId, token, expiresAt: Date.now() + ttlMs });
          return true;
        },
        async release() {
          if (mine()) holdings.delete(targetKey);
        },
      };
      return held;
    },
  };
  const steal = (targetKey: string) =>
    holdings.set(targetKey, { runId: "thief", token: -1, expiresAt: Date.now() + ttlMs });
  return { locker, taken, holdings, steal };
}

describe("the lock port (a kind's own locker)", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("is the only lock a run, its resume and a wipe take: no lock file is written", async () => {
    const { locker, taken, holdings } = memoryLocker();
    let fail = true;
    const plan: Plan = {
      id: "port",
      hashInput: {},
      steps: [
        {
          id: "flaky",
          phase: "execute",
          changesTarget: true,
          undo: "reversible",
          run: () => {
            if (fail) throw new Error("flaky");
            return "ok";
          },
          rollback: () => undefined,
        },
      ],
    };
    const first = await runPlan({
      plan,
      baseDir: dir,
      locker,
      targetKey: "db-main",
      autoRollback: false,
    });
    expect(first.status).to.equal("failed");
    await wipeStep({ baseDir: dir, runId: first.runId, step: "flaky", locker });
    fail = false;
    const resumed = await resumeRun({ plan, baseDir: dir, runId: first.runId, locker });
    expect(resumed.status).to.equal("completed");
    expect(taken).to.deep.equal([0, 1, 2].map(() => `db-main ${first.runId}`));
    expect(holdings.size, "every holding released").to.equal(0);
    expect(fs.existsSync(locksDirOf(dir)), "no file lock was taken").to.equal(false);
    expect(resumed.state.locks.map((lock) => lock.event)).to.deep.equal([
      "acquired",
      "released",
      "acquired",
      "released",
    ]);
  });

  it("refuses a wipe while the port says another run holds the target (AEGIS-E120)", async () => {
    const { locker, steal } = memoryLocker();
    const plan: Plan = {
      id: "held",
      hashInput: {},
      steps: [
        {
          id: "fails",
          phase: "execute",
          changesTarget: true,
          undo: "reversible",
          run: () => {
            throw new Error("no");
          },
          rollback: () => undefined,
        },
      ],
    };
    const first = await runPlan({ plan, baseDir: dir, locker, autoRollback: false });
    steal("held");
    const error = await catchAsync(
      wipeStep({ baseDir: dir, runId: first.runId, step: "fails", locker }),
    );
    expect(error?.code).to.equal(ERROR_CODES.LOCK_HELD);
  });

  it("stops writing once renew() finds the holding gone (AEGIS-E121)", async () => {
    const { locker, steal } = memoryLocker();
    let stolen!: () => void;
    const lost = new Promise<void>((resolve) => (stolen = resolve));
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
            steal("stolen");
            await lost;
            return ctx.effect("late", { intent: {}, apply: () => "must not happen" });
          },
        },
      ],
    };
    const error = await catchAsync(
      runPlan({
        plan,
        baseDir: dir,
        locker,
        onEvent: (event) => event.type === "lock.lost" && stolen(),
      }),
    );
    expect(error?.code).to.equal(ERROR_CODES.LOCK_LOST);
  });
});
