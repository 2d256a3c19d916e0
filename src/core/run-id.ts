import * as fs from "node:fs";

import { fsyncDirSync } from "./durable-fs";
import { runDirOf, runsDirOf } from "./run-paths";

/**
 * Run ids sort by start time and say what ran: `20261126-130211-engine-v2` (UTC). A second run
 * of the same plan in the same second gets `-2`, `-3`, ... ; the run folder is created with an
 * exclusive mkdir, which is what makes the id unique, even across processes.
 */

/** The timestamp part of a run id for a date (UTC, `YYYYMMDD-HHMMSS`). */
export function runIdStamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-26T13:02:11.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** Creates a new run folder under baseDir and returns its unique id and path. */
export function createRunDir(
  baseDir: string,
  planId: string,
  date: Date,
): { runId: string; runDir: string } {
  fs.mkdirSync(runsDirOf(baseDir), { recursive: true });
  const base = `${runIdStamp(date)}-${planId}`;
  for (let n = 1; ; n += 1) {
    const runId = n === 1 ? base : `${base}-${n}`;
    const runDir = runDirOf(baseDir, runId);
    try {
      fs.mkdirSync(runDir);
      fsyncDirSync(runsDirOf(baseDir));
      return { runId, runDir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
