import type { HeldLock, TargetLocker } from "./lock-port";
import type { EngineOptions } from "./run-options";
import { acquireTargetLock, type LockOptions, type TargetLock } from "./target-lock";

/** The locker of an entry point: the one the options bring, else the file lock under baseDir. */
export function lockerOf(options: EngineOptions): TargetLocker {
  return options.locker ?? fileLocker(options.baseDir, { now: options.now, ...options.lock });
}

/** The default locker: a lock file per target under `<baseDir>/locks/` (target-lock.ts). */
export function fileLocker(baseDir: string, options: LockOptions = {}): TargetLocker {
  return {
    async acquire({ targetKey, runId }) {
      return heldFileLock(acquireTargetLock(baseDir, targetKey, runId, options));
    },
  };
}

function heldFileLock(lock: TargetLock): HeldLock {
  const takeover = lock.takeover;
  return {
    targetKey: lock.record.targetKey,
    owner: lock.record.owner,
    get expiresAt() {
      return lock.record.expiresAt;
    },
    ...(takeover === undefined
      ? {}
      : {
          takeover: {
            previousOwner: takeover.previous.owner,
            previousExpiresAt: takeover.previous.expiresAt,
            reason: takeover.reason,
          },
        }),
    renewEveryMs: lock.heartbeatMs,
    get lost() {
      return lock.lost;
    },
    async renew() {
      // A busy guard only delays this renewal to the next beat: the lock is still held.
      lock.renew();
      return !lock.lost;
    },
    async release() {
      lock.release();
    },
  };
}
