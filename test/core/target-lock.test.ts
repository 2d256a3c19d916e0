import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { lockFileOf } from "../../src/core/run-paths";
import {
  acquireTargetLock,
  lockLiveness,
  readTargetLock,
  type LockRecord,
} from "../../src/core/target-lock";
import { catchError } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

function writeForeignLock(
  baseDir: string,
  key: string,
  record: Partial<LockRecord> & { owner: LockRecord["owner"] },
): void {
  fs.mkdirSync(`${baseDir}/locks`, { recursive: true });
  const full: LockRecord = {
    lockVersion: 1,
    targetKey: key,
    token: "foreign",
    acquiredAt: "2026-01-01T00:00:00.000Z",
    renewedAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-01T00:01:00.000Z",
    ...record,
  };
  fs.writeFileSync(lockFileOf(baseDir, key), JSON.stringify(full));
}

/** The pid of a process that has exited (so it is dead on this host). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

describe("target locks", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("is acquired atomically with its owner and expiry, and released", () => {
    const lock = acquireTargetLock(dir, "31337-0x5FbD", "run-1", { ttlMs: 60_000 });
    const record = readTargetLock(dir, "31337-0x5FbD");
    expect(record?.owner).to.deep.equal({ pid: process.pid, host: os.hostname(), runId: "run-1" });
    expect(
      Date.parse(record?.expiresAt as string) - Date.parse(record?.acquiredAt as string),
    ).to.equal(60_000);
    expect(lock.takeover).to.equal(undefined);
    lock.release();
    expect(readTargetLock(dir, "31337-0x5FbD")).to.equal(undefined);
    // Nothing but the lock directory remains: no temporary or guard files.
    expect(fs.readdirSync(`${dir}/locks`)).to.deep.equal([]);
  });

  it("refuses a second owner while the first is live, naming the owner (AEGIS-E120)", () => {
    const first = acquireTargetLock(dir, "t", "run-1");
    const error = catchError(() => acquireTargetLock(dir, "t", "run-2")) as Error & {
      code?: string;
      owner?: unknown;
    };
    expect(error.code).to.equal("AEGIS-E120");
    expect(error.owner).to.deep.equal({ pid: process.pid, host: os.hostname(), runId: "run-1" });
    expect(error.message).to.contain("run-1");
    first.release();
    acquireTargetLock(dir, "t", "run-2").release();
  });

  it("takes over an expired lock of another host, reporting the previous owner", () => {
    const owner = { pid: 4242, host: "elsewhere.example", runId: "old-run" };
    writeForeignLock(dir, "t", { owner, expiresAt: "2000-01-01T00:00:00.000Z" });
    const lock = acquireTargetLock(dir, "t", "new-run");
    expect(lock.takeover?.reason).to.equal("expired");
    expect(lock.takeover?.previous.owner).to.deep.equal(owner);
    expect(readTargetLock(dir, "t")?.owner.runId).to.equal("new-run");
    lock.release();
  });

  it("waits for the expiry of a live lock on another host, then heals", () => {
    writeForeignLock(dir, "t", {
      owner: { pid: 1, host: "elsewhere.example", runId: "r" },
      expiresAt: "2026-06-01T00:00:00.000Z",
    });
    const before = new Date("2026-05-31T23:59:59.000Z");
    expect(
      catchError(() => acquireTargetLock(dir, "t", "me", { now: () => before }))?.code,
    ).to.equal("AEGIS-E120");
    const after = new Date("2026-06-01T00:00:00.000Z");
    const lock = acquireTargetLock(dir, "t", "me", { now: () => after });
    expect(lock.takeover?.reason).to.equal("expired");
    lock.release();
  });

  it("takes over at once a lock whose process is gone from this host", () => {
    const pid = deadPid();
    writeForeignLock(dir, "t", {
      owner: { pid, host: os.hostname(), runId: "crashed" },
      expiresAt: "2999-01-01T00:00:00.000Z",
    });
    expect(lockLiveness(readTargetLock(dir, "t") as LockRecord)).to.equal("owner-dead");
    const lock = acquireTargetLock(dir, "t", "me");
    expect(lock.takeover?.reason).to.equal("owner-dead");
    lock.release();
  });

  it("refuses a stale lock that another live process has claimed for its takeover, naming that process", () => {
    writeForeignLock(dir, "t", {
      owner: { pid: 4242, host: "elsewhere.example", runId: "old-run" },
      expiresAt: "2000-01-01T00:00:00.000Z",
    });
    // The claim another process made a moment ago, between its claim and its rename.
    const claimant = {
      lockVersion: 1,
      targetKey: "t",
      owner: { pid: process.pid, host: os.hostname(), runId: "claimant" },
      token: "claimant-token",
      acquiredAt: "2026-01-01T00:00:00.000Z",
      renewedAt: "2026-01-01T00:00:00.000Z",
      expiresAt: "2999-01-01T00:00:00.000Z",
    };
    fs.writeFileSync(`${lockFileOf(dir, "t")}.takeover-foreign`, JSON.stringify(claimant));
    const error = catchError(() => acquireTargetLock(dir, "t", "me")) as Error & {
      code?: string;
      owner?: unknown;
    };
    expect(error.code).to.equal(ERROR_CODES.LOCK_HELD);
    expect(error.owner).to.deep.equal(claimant.owner);
    expect(readTargetLock(dir, "t")?.owner.runId).to.equal("old-run");
  });

  it("takes over a stale lock whose claimant died before replacing it, and leaves no claim behind", () => {
    writeForeignLock(dir, "t", {
      owner: { pid: 4242, host: "elsewhere.example", runId: "old-run" },
      expiresAt: "2000-01-01T00:00:00.000Z",
    });
    const claimant = {
      lockVersion: 1,
      targetKey: "t",
      owner: { pid: deadPid(), host: os.hostname(), runId: "crashed-claimant" },
      token: "claimant-token",
      acquiredAt: "2026-01-01T00:00:00.000Z",
      renewedAt: "2026-01-01T00:00:00.000Z",
      expiresAt: "2999-01-01T00:00:00.000Z",
    };
    fs.writeFileSync(`${lockFileOf(dir, "t")}.takeover-foreign`, JSON.stringify(claimant));
    const lock = acquireTargetLock(dir, "t", "me");
    expect(lock.takeover?.previous.owner.runId).to.equal("old-run");
    expect(readTargetLock(dir, "t")?.owner.runId).to.equal("me");
    expect(fs.readdirSync(`${dir}/locks`)).to.deep.equal(["t.lock"]);
    lock.release();
    expect(fs.readdirSync(`${dir}/locks`)).to.deep.equal([]);
  });

  it("renews its expiry, and notices when another run has taken it over", () => {
    let now = new Date("2026-01-01T00:00:00.000Z");
    const lock = acquireTargetLock(dir, "t", "me", { ttlMs: 1000, now: () => now });
    now = new Date("2026-01-01T00:00:00.500Z");
    expect(lock.renew()).to.equal(true);
    expect(readTargetLock(dir, "t")?.expiresAt).to.equal("2026-01-01T00:00:01.500Z");
    expect(lock.lost).to.equal(false);
    writeForeignLock(dir, "t", {
      owner: { pid: 1, host: "elsewhere.example", runId: "thief" },
      token: "other",
    });
    expect(lock.renew()).to.equal(false);
    expect(lock.lost).to.equal(true);
    // A lost lock is not deleted on release: it belongs to the other run now.
    lock.release();
    expect(readTargetLock(dir, "t")?.owner.runId).to.equal("thief");
  });

  it("refuses to read a lock file that is not a lock (AEGIS-E122) and a target key unsafe as a file name (AEGIS-E101)", () => {
    fs.mkdirSync(`${dir}/locks`);
    fs.writeFileSync(lockFileOf(dir, "t"), "garbage");
    expect(catchError(() => acquireTargetLock(dir, "t", "me"))?.code).to.equal("AEGIS-E122");
    expect(catchError(() => acquireTargetLock(dir, "../escape", "me"))?.code).to.equal(
      "AEGIS-E101",
    );
  });
});
