import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { lockFileOf } from "../../src/core/run-paths";
import { readTargetLock, type LockRecord } from "../../src/core/target-lock";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";
import { nodeArgsFor } from "../helpers/prebuilt-cli";

const ROOT = path.resolve(__dirname, "../..");
const CHILD = path.join(__dirname, "fixtures", "lock-race-child.ts");
// Before the fix, a takeover that went unrecorded showed up within the first hundred rounds.
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 150);
const RACERS = ["a", "b"] as const;

interface RaceResult {
  acquired: boolean;
  takeover?: string | null;
  code?: string | null;
  message?: string;
}

/** How the lock of a round is stale: its owner's process is gone, or it expired elsewhere. */
type Staleness = "owner-dead" | "expired";

function startRacer(
  raceDir: string,
  racer: string,
): { child: ChildProcess; exited: Promise<string> } {
  const child = spawn(process.execPath, nodeArgsFor(CHILD), {
    cwd: ROOT,
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: "true",
      RACE_DIR: raceDir,
      RACER: racer,
      ROUNDS: String(ROUNDS),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<string>((resolve) =>
    child.on("close", (code) => resolve(`racer ${racer} exited ${code}: ${stderr}`)),
  );
  return { child, exited };
}

/** Resolves once every file exists; rejects with what `failed` says if it settles first. */
async function waitForFiles(files: string[], failed: Promise<string>): Promise<void> {
  let failure: string | undefined;
  void failed.then((why) => (failure = why));
  while (!files.every((file) => fs.existsSync(file))) {
    if (failure !== undefined) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The pid of a process that has exited (so it is dead on this host). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

/** Leaves a stale lock of target `t` in `dir`, and, when asked, a guard file a crash left behind. */
function leaveStaleLock(dir: string, staleness: Staleness, pid: number, leftoverGuard: boolean) {
  fs.mkdirSync(path.join(dir, "locks"), { recursive: true });
  const record: LockRecord = {
    lockVersion: 1,
    targetKey: "t",
    owner:
      staleness === "owner-dead"
        ? { pid, host: os.hostname(), runId: "crashed" }
        : { pid: 4242, host: "elsewhere.example", runId: "crashed" },
    token: "stale",
    acquiredAt: "2026-01-01T00:00:00.000Z",
    renewedAt: "2026-01-01T00:00:00.000Z",
    expiresAt: staleness === "owner-dead" ? "2999-01-01T00:00:00.000Z" : "2000-01-01T00:01:00.000Z",
  };
  const file = lockFileOf(dir, "t");
  fs.writeFileSync(file, JSON.stringify(record));
  if (leftoverGuard) {
    // A takeover that crashed while it held the guard, a minute ago.
    const guard = `${file}.guard`;
    fs.writeFileSync(guard, "");
    const minuteAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(guard, minuteAgo, minuteAgo);
  }
}

describe("lock takeover race between processes", () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => (dir = makeTempDir("aegis-lock-race-")));
  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        process.kill(child.pid, "SIGKILL");
      }
    }
    removeTempDir(dir);
  });

  it("lets exactly one of two processes take over the same stale lock at the same instant, round after round", async () => {
    const pid = deadPid();
    const setups: Array<{ staleness: Staleness; leftoverGuard: boolean }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const setup = {
        staleness: (round % 2 === 0 ? "owner-dead" : "expired") as Staleness,
        leftoverGuard: round % 4 >= 2,
      };
      setups.push(setup);
      leaveStaleLock(path.join(dir, String(round)), setup.staleness, pid, setup.leftoverGuard);
    }
    const racers = RACERS.map((racer) => startRacer(dir, racer));
    children.push(...racers.map(({ child }) => child));
    // A racer that finished its last round exits 0 while the other may still be writing its
    // result: only a crash (a non-zero exit) ends the wait early.
    const anyCrash = Promise.race(
      racers.map(
        ({ child, exited }) =>
          new Promise<string>((resolve) => {
            void exited.then((why) => child.exitCode !== 0 && resolve(why));
          }),
      ),
    );

    for (let round = 0; round < ROUNDS; round += 1) {
      const roundDir = path.join(dir, String(round));
      await waitForFiles(
        RACERS.map((racer) => path.join(roundDir, `ready-${racer}`)),
        anyCrash,
      );
      // Both racers are waiting: release them together a little later.
      const go = path.join(roundDir, "go");
      fs.writeFileSync(`${go}.tmp`, String(Date.now() + 10));
      fs.renameSync(`${go}.tmp`, go);
      const resultFiles = RACERS.map((racer) => path.join(roundDir, `result-${racer}.json`));
      await waitForFiles(resultFiles, anyCrash);
      const results = resultFiles.map(
        (file) => JSON.parse(fs.readFileSync(file, "utf8")) as RaceResult,
      );
      const winners = RACERS.filter((_, index) => results[index]?.acquired);
      const label = `round ${round} (${JSON.stringify(setups[round])}): ${JSON.stringify(results)}`;
      expect(winners, label).to.have.length(1);
      const loser = results.find((result) => !result.acquired);
      expect(loser?.code, label).to.equal(ERROR_CODES.LOCK_HELD);
      const winner = results.find((result) => result.acquired);
      expect(winner?.takeover, label).to.equal(setups[round]?.staleness);
      expect(readTargetLock(roundDir, "t")?.owner.runId, label).to.equal(`${winners[0]}-${round}`);
      // No claim, guard or temporary file is left beside the lock.
      expect(fs.readdirSync(path.join(roundDir, "locks")), label).to.deep.equal(["t.lock"]);
    }
    const exits = await Promise.all(racers.map(({ exited }) => exited));
    expect(
      racers.map(({ child }) => child.exitCode),
      exits.join("; "),
    ).to.deep.equal([0, 0]);
  });
});
