import * as path from "node:path";

import { InvalidIdError } from "./errors";

/**
 * Where a run lives under a caller-given base directory (e.g. deployments/<network>):
 *   <base>/runs/<runId>/journal.jsonl      the journal (the only source of truth)
 *   <base>/runs/<runId>/artifacts/<step>/  large step outputs
 *   <base>/locks/<targetKey>.lock          one lock per target
 */

/** The folder holding all runs of a base directory. */
export function runsDirOf(baseDir: string): string {
  return path.join(baseDir, "runs");
}

/** The folder of one run. */
export function runDirOf(baseDir: string, runId: string): string {
  return path.join(runsDirOf(baseDir), runId);
}

/** The journal file of a run folder. */
export function journalFileOf(runDir: string): string {
  return path.join(runDir, "journal.jsonl");
}

/** The folder of lock files. */
export function locksDirOf(baseDir: string): string {
  return path.join(baseDir, "locks");
}

const TARGET_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws AEGIS-E101 unless a target key is safe as a file name (1-128 chars of [A-Za-z0-9._-]). */
export function assertTargetKey(targetKey: string): void {
  if (!TARGET_KEY.test(targetKey) || targetKey.includes("..")) {
    throw new InvalidIdError("target key", targetKey);
  }
}

/** The lock file of a target. */
export function lockFileOf(baseDir: string, targetKey: string): string {
  assertTargetKey(targetKey);
  return path.join(locksDirOf(baseDir), `${targetKey}.lock`);
}

/** The path of an artifact relative to its run folder. */
export function artifactRelativePath(shortStepId: string, name: string): string {
  return path.posix.join("artifacts", shortStepId, name);
}
