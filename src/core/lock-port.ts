import type { LockOwner } from "./errors";

/**
 * The port through which the engine keeps one run at a time per target. The file lock
 * (file-locker.ts) is the default; a kind brings its own where runs of one target may start on
 * several machines (a database's advisory lock, a lock row, a lease in a shared store).
 *
 * A holding has an expiry that the engine pushes forward with renew() every renewEveryMs; a
 * holding whose owner crashed heals when it expires. Once renew() returns false, or `lost`
 * turns true, the engine stops writing (AEGIS-E121): another run may be acting on the target.
 */
export interface TargetLocker {
  /**
   * Takes the lock of `targetKey` for `runId`, or throws AEGIS-E120 while another live run
   * holds it. A holding that expired (or whose owner is known dead) is taken over, and says so.
   */
  acquire(request: { targetKey: string; runId: string }): Promise<HeldLock>;
}

/** A lock the engine holds. */
export interface HeldLock {
  readonly targetKey: string;
  readonly owner: LockOwner;
  /** ISO time the holding lapses unless renewed. */
  readonly expiresAt: string;
  /** Set when this holding replaced a stale one: journaled as LOCK_TAKEN_OVER. */
  readonly takeover?: {
    previousOwner: LockOwner;
    previousExpiresAt: string;
    reason: "expired" | "owner-dead";
  };
  /** How often the engine renews the holding. */
  readonly renewEveryMs: number;
  /** True once the holding is known to be lost (taken over, or gone). */
  readonly lost: boolean;
  /** Pushes the expiry forward; false once the lock is no longer this holding's. */
  renew(): Promise<boolean>;
  /** Lets the lock go if it is still this holding's; never throws for a lock already lost. */
  release(): Promise<void>;
}
