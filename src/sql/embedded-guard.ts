import * as os from "node:os";

import { LockHeldError } from "../core/errors";
import type { HeldLock, TargetLocker } from "../core/lock-port";
import { acquireTargetLock, type TargetLock } from "../core/target-lock";
import { DatabaseInUseError } from "./errors";

/**
 * The guard of an embedded database (a PGlite folder, a SQLite file): a file lock beside it,
 * taken before the database is opened and kept until it is closed, so no second process opens
 * it meanwhile (PGlite would let it, and two PGlite processes on one folder corrupt it). It is
 * the core's file lock (target-lock.ts): a crashed holder's guard is taken over at once on this
 * host (its pid is gone) or once it expires.
 */
export class EmbeddedGuard {
  private constructor(
    private readonly lock: TargetLock,
    private readonly display: string,
  ) {}

  /** Takes the guard of `file`, or throws AEGIS-E403 naming who has the database open. */
  static acquire(file: string, display: string, purpose: string): EmbeddedGuard {
    let lock: TargetLock;
    try {
      lock = acquireTargetLock(`${file}.aegis-lock`, "open", purpose);
    } catch (error) {
      if (error instanceof LockHeldError) {
        const { pid, host, runId } = error.owner;
        throw new DatabaseInUseError(display, `${runId}, pid ${pid} on ${host}`);
      }
      throw error;
    }
    lock.startHeartbeat();
    return new EmbeddedGuard(lock, display);
  }

  /**
   * The engine's lock port for runs on this database: the guard already keeps every other
   * process out, so a run holds it as its lock and the engine's renewals renew it.
   */
  locker(): TargetLocker {
    const lock = this.lock;
    return {
      acquire: async ({ targetKey, runId }): Promise<HeldLock> => ({
        targetKey,
        owner: { pid: process.pid, host: os.hostname(), runId },
        get expiresAt() {
          return lock.record.expiresAt;
        },
        renewEveryMs: lock.heartbeatMs,
        get lost() {
          return lock.lost;
        },
        renew: async () => lock.renew(),
        // The guard outlives the run: it is let go when the database is closed.
        release: async () => undefined,
      }),
    };
  }

  /** Lets the database go. */
  release(): void {
    this.lock.release();
  }

  /** For messages. */
  get database(): string {
    return this.display;
  }
}
