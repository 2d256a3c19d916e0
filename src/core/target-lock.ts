import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { atomicWriteFileSync, fsyncDirSync, uniqueSuffix, writeAllSync } from "./durable-fs";
import { LockHeldError, LockUnreadableError, type LockOwner } from "./errors";
import { lockFileOf, locksDirOf } from "./run-paths";

/**
 * One run at a time per target. The lock is a file created atomically (a fully written
 * temporary file hard-linked into place, which fails if the lock exists), holding its owner
 * and an expiry that a heartbeat pushes forward. A crashed run's lock heals: it is taken over
 * once expired, or at once when its process is gone from this host.
 *
 * Replacing a stale lock is the racy part: several processes may see the same stale holding
 * at the same instant, and a read-then-overwrite would let each of them think it replaced it.
 * So a takeover first claims the stale holding by hard-linking its own record to
 * `<lock>.takeover-<token of the stale holding>`; link fails when that name exists, so of all
 * the processes that saw the holding stale exactly one claims it, and the others are told who
 * did (AEGIS-E120). Only the claimant replaces the lock, with one rename over it: the lock file
 * never disappears during a takeover, so no plain acquisition can slip in and hide it. A claim
 * whose claimant died is itself a stale holding, taken over the same way (a claim on its token).
 * The claimant's last check and its rename happen under a short-lived guard file, as renewals
 * and releases do, so an owner that is alive but expired cannot renew or release in between.
 */

/** The content of a lock file. */
export interface LockRecord {
  lockVersion: 1;
  targetKey: string;
  owner: LockOwner;
  /** Random id of this holding; distinguishes two holdings by the same run. */
  token: string;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
}

/** How a lock looks to someone who wants it. */
export type LockLiveness = "live" | "expired" | "owner-dead";

/** Options of lock acquisition. */
export interface LockOptions {
  /** How long a lock stays valid without renewal; default 60 s. */
  ttlMs?: number;
  /** Heartbeat period; default a quarter of ttlMs. */
  heartbeatMs?: number;
  /** Clock, for tests. */
  now?: () => Date;
  /** Owner fields, for tests that simulate another host or process. */
  pid?: number;
  host?: string;
}

/** A lock that was taken over, and why. */
export interface LockTakeover {
  previous: LockRecord;
  reason: "expired" | "owner-dead";
}

const DEFAULT_TTL_MS = 60_000;
const GUARD_STALE_MS = 10_000;

/** A held target lock. */
export class TargetLock {
  private timer: NodeJS.Timeout | undefined;
  private lostFlag = false;
  private released = false;

  /** Wraps a record this process has just written. */
  constructor(
    readonly file: string,
    public record: LockRecord,
    readonly takeover: LockTakeover | undefined,
    private readonly options: Required<Pick<LockOptions, "ttlMs" | "heartbeatMs">> & LockOptions,
  ) {}

  /** How often the heartbeat renews this lock. */
  get heartbeatMs(): number {
    return this.options.heartbeatMs;
  }

  /** Whether another run took the lock over (or it vanished) while this one held it. */
  get lost(): boolean {
    return this.lostFlag;
  }

  /** Pushes the expiry forward; marks the lock lost if it is no longer ours. */
  renew(): boolean {
    if (this.released || this.lostFlag) return false;
    const result = withGuard(this.file, () => {
      const current = readLockFile(this.file);
      if (current?.token !== this.record.token) return "lost" as const;
      const now = nowOf(this.options);
      const next: LockRecord = {
        ...this.record,
        renewedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + this.options.ttlMs).toISOString(),
      };
      atomicWriteFileSync(this.file, `${JSON.stringify(next)}\n`);
      this.record = next;
      return "renewed" as const;
    });
    // A busy guard means someone is looking at the lock right now; the next beat retries.
    if (result === "lost") this.lostFlag = true;
    return result === "renewed";
  }

  /** Renews the lock periodically until released; onLost is called once if it is lost. */
  startHeartbeat(onLost?: () => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.renew();
      } catch {
        // A transient I/O error must not crash the run; the expiry check of other runs and
        // the next beat decide.
      }
      if (this.lostFlag) {
        this.stopHeartbeat();
        onLost?.();
      }
    }, this.options.heartbeatMs);
    // The heartbeat must never keep a finished process alive.
    this.timer.unref();
  }

  /** Stops renewing. */
  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Releases the lock if it is still ours. */
  release(): void {
    this.stopHeartbeat();
    if (this.released) return;
    this.released = true;
    if (this.lostFlag) return;
    withGuard(this.file, () => {
      const current = readLockFile(this.file);
      if (current?.token === this.record.token) {
        fs.rmSync(this.file, { force: true });
        fsyncDirSync(path.dirname(this.file));
      }
      return "released";
    });
    // With a busy guard someone is taking over our lock; leaving it to them is correct.
  }
}

/** Acquires the lock of a target for a run; throws AEGIS-E120 when a live run holds it. */
export function acquireTargetLock(
  baseDir: string,
  targetKey: string,
  runId: string,
  options: LockOptions = {},
): TargetLock {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const resolved = {
    ...options,
    ttlMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(10, Math.floor(ttlMs / 4)),
  };
  const file = lockFileOf(baseDir, targetKey);
  fs.mkdirSync(locksDirOf(baseDir), { recursive: true });
  const now = nowOf(options);
  const record: LockRecord = {
    lockVersion: 1,
    targetKey,
    owner: { pid: options.pid ?? process.pid, host: options.host ?? os.hostname(), runId },
    token: randomBytes(12).toString("hex"),
    acquiredAt: now.toISOString(),
    renewedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
  const tmp = writeTemp(file, record);
  try {
    for (let round = 0; round < 5; round += 1) {
      if (tryLink(tmp, file)) return new TargetLock(file, record, undefined, resolved);
      const existing = readLockFile(file);
      if (existing === undefined) continue; // released meanwhile: try again
      const liveness = lockLiveness(existing, nowOf(options));
      if (liveness === "live") throw heldError(existing);
      const outcome = takeOver(file, tmp, existing, options);
      if (outcome === "taken") {
        return new TargetLock(file, record, { previous: existing, reason: liveness }, resolved);
      }
      if (outcome !== "changed") throw heldError(outcome.heldBy);
    }
    const last = readLockFile(file);
    if (last) throw heldError(last);
    throw new LockUnreadableError(file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Replaces the stale holding `stale` of `file` by the record in `tmp`, if this process is the
 * one that claims it (see the top of this file). "changed": the lock is no longer that holding
 * (look at it again); heldBy: another process claimed it first, or the guard is busy.
 */
function takeOver(
  file: string,
  tmp: string,
  stale: LockRecord,
  options: LockOptions,
): "taken" | "changed" | { heldBy: LockRecord } {
  // Walk from the stale holding through claims whose claimant died to the first free claim.
  let token = stale.token;
  let claim: string;
  for (;;) {
    claim = claimFileOf(file, token);
    if (tryLink(tmp, claim)) break;
    const claimant = readLockFile(claim);
    if (claimant === undefined) {
      // Its claimant gave up or finished meanwhile: look at the lock again.
      return "changed";
    }
    if (lockLiveness(claimant, nowOf(options)) === "live") return { heldBy: claimant };
    token = claimant.token;
  }
  const outcome = withGuard(file, () => {
    const current = readLockFile(file);
    if (current?.token !== stale.token) return "changed" as const;
    fs.renameSync(tmp, file);
    fsyncDirSync(path.dirname(file));
    return "taken" as const;
  });
  if (outcome !== "taken") {
    // Let the next process that finds the holding stale claim it.
    fs.rmSync(claim, { force: true });
    return outcome === "busy" ? { heldBy: stale } : "changed";
  }
  removeClaims(file);
  return "taken";
}

/** The claim file of a takeover of the holding with `token` (see the top of this file). */
function claimFileOf(file: string, token: string): string {
  return `${file}.takeover-${token}`;
}

/**
 * Removes every claim of a lock right after a takeover: ours, those of dead claimants we walked
 * through, and any a crash left. The lock now holds a new token, which is live, so nobody has
 * a reason to claim it; a claim on an older holding can never apply again (its claimant finds
 * the lock changed under the guard and stands down).
 */
function removeClaims(file: string): void {
  const prefix = `${path.basename(file)}.takeover-`;
  for (const name of fs.readdirSync(path.dirname(file))) {
    if (name.startsWith(prefix)) fs.rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

/** Reads the lock of a target, if any (for a `status` command). */
export function readTargetLock(baseDir: string, targetKey: string): LockRecord | undefined {
  return readLockFile(lockFileOf(baseDir, targetKey));
}

/** Whether a lock is live, expired, or held by a process that no longer exists on this host. */
export function lockLiveness(record: LockRecord, now: Date = new Date()): LockLiveness {
  if (record.owner.host === os.hostname() && !isProcessAlive(record.owner.pid)) return "owner-dead";
  if (Date.parse(record.expiresAt) <= now.getTime()) return "expired";
  return "live";
}

/** Whether a process id exists on this host. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function heldError(record: LockRecord): LockHeldError {
  return new LockHeldError(record.targetKey, record.owner, record.expiresAt);
}

function nowOf(options: LockOptions): Date {
  return options.now?.() ?? new Date();
}

function writeTemp(file: string, record: LockRecord): string {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${uniqueSuffix()}.tmp`,
  );
  const fd = fs.openSync(tmp, "wx");
  try {
    writeAllSync(fd, Buffer.from(`${JSON.stringify(record)}\n`, "utf8"));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}

/** Hard-links a complete file into place; false if the target exists. */
function tryLink(from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  fsyncDirSync(path.dirname(to));
  return true;
}

function readLockFile(file: string): LockRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new LockUnreadableError(file);
  }
  const candidate = record as Partial<LockRecord> | null;
  if (
    candidate === null ||
    typeof candidate !== "object" ||
    typeof candidate.token !== "string" ||
    typeof candidate.expiresAt !== "string" ||
    typeof candidate.owner?.pid !== "number" ||
    typeof candidate.owner.host !== "string" ||
    typeof candidate.owner.runId !== "string"
  ) {
    throw new LockUnreadableError(file);
  }
  return candidate as LockRecord;
}

/**
 * Runs fn while holding the guard file of a lock; returns "busy" without running it when
 * another process holds a fresh guard. A guard older than GUARD_STALE_MS is left over from a
 * crash (holders keep it for microseconds) and is removed.
 */
function withGuard<T>(lockFile: string, fn: () => T): T | "busy" {
  const guard = `${lockFile}.guard`;
  let fd: number | undefined;
  for (let round = 0; round < 2 && fd === undefined; round += 1) {
    try {
      fd = fs.openSync(guard, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = fileAgeMs(guard);
      if (age === undefined) continue; // removed meanwhile
      if (age < GUARD_STALE_MS) return "busy";
      fs.rmSync(guard, { force: true });
    }
  }
  if (fd === undefined) return "busy";
  try {
    fs.closeSync(fd);
    return fn();
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function fileAgeMs(file: string): number | undefined {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
