import type { TornTail } from "./journal-reader";
import { loadRun } from "./load-run";
import { lockLiveness, readTargetLock, type LockRecord } from "./target-lock";
import type { RunState } from "./run-state";
import * as path from "node:path";

/** A run as a `status` command shows it. */
export interface RunSnapshot {
  runDir: string;
  state: RunState;
  /** Lines in the journal (valid ones). */
  lines: number;
  /** A torn last line, left by a crash; the next session of the run repairs it. */
  tornTail?: TornTail;
  /** Whether a live session of this run holds its target's lock right now. */
  active: boolean;
  /** The target's lock, whoever holds it. */
  lock?: LockRecord;
}

/**
 * Reads a run folder without changing anything: folds the journal (AEGIS-E110 on corruption,
 * AEGIS-E111 when missing) and looks at the target's lock. A state "running" with active false
 * is a run whose process died: resume it.
 */
export function readRunState(runDir: string): RunSnapshot {
  const loaded = loadRun(runDir);
  // runs/<runId> -> the base directory that also holds locks/
  const baseDir = path.dirname(path.dirname(path.resolve(runDir)));
  let lock: LockRecord | undefined;
  try {
    lock = readTargetLock(baseDir, loaded.state.targetKey);
  } catch {
    // An unreadable lock says nothing about this run; the lock commands report it.
    lock = undefined;
  }
  const active =
    lock !== undefined && lock.owner.runId === loaded.state.runId && lockLiveness(lock) === "live";
  const snapshot: RunSnapshot = { runDir, state: loaded.state, lines: loaded.lines.length, active };
  if (loaded.tornTail) snapshot.tornTail = loaded.tornTail;
  if (lock) snapshot.lock = lock;
  return snapshot;
}
