import * as fs from "node:fs";

import { isAegisError, toErrorRecord, type ErrorRecord } from "./errors";
import { loadRun } from "./load-run";
import { runDirOf, runsDirOf } from "./run-paths";
import type { RunStatus } from "./run-state";
import { describeStanding, dryRunSkippedSteps, isRunUnfinished } from "./run-standing";
import { lockLiveness, readTargetLock } from "./target-lock";

/** One line of a run listing. */
export type RunSummary =
  | {
      runId: string;
      runDir: string;
      readable: true;
      planId: string;
      planHash: string;
      planTitle?: string;
      targetKey: string;
      /** The plan's journaled hash input (what the run was asked to do), when the journal has it. */
      hashInput?: unknown;
      status: RunStatus;
      /** Where it stands, in words ("failed at upgrade: ...", "interrupted (SIGINT) before snapshot"). */
      standing: string;
      /** It may have changed its target and is not finished: it blocks a new run of the target. */
      unfinished: boolean;
      /** A live process holds the target's lock for this run right now. */
      inProgress: boolean;
      /** Steps a dry run skipped (0 for a live run). */
      skippedSteps: number;
      dryRun: boolean;
      startedAt: string;
      updatedAt: string;
      /** Steps completed (or skipped by a dry run) out of all steps. */
      stepsDone: number;
      stepsTotal: number;
    }
  | { runId: string; runDir: string; readable: false; error: ErrorRecord };

/**
 * Lists the runs under a base directory, oldest first (by start time, then id). A run whose
 * journal cannot be read is listed with its error rather than hidden.
 */
export function listRuns(baseDir: string): RunSummary[] {
  const runsDir = runsDirOf(baseDir);
  if (!fs.existsSync(runsDir)) return [];
  const summaries: RunSummary[] = [];
  for (const entry of fs.readdirSync(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const runDir = runDirOf(baseDir, entry.name);
    try {
      const { state } = loadRun(runDir);
      const lock = readTargetLock(baseDir, state.targetKey);
      summaries.push({
        runId: state.runId,
        runDir,
        readable: true,
        planId: state.planId,
        planHash: state.planHash,
        ...(state.planTitle === undefined ? {} : { planTitle: state.planTitle }),
        targetKey: state.targetKey,
        ...(state.hashInput === undefined ? {} : { hashInput: state.hashInput }),
        status: state.status,
        standing: describeStanding(state),
        unfinished: isRunUnfinished(state),
        inProgress:
          lock !== undefined && lock.owner.runId === state.runId && lockLiveness(lock) === "live",
        skippedSteps: dryRunSkippedSteps(state),
        dryRun: state.dryRun,
        startedAt: state.startedAt,
        updatedAt: state.updatedAt,
        stepsDone: state.steps.filter(
          (step) => step.status === "completed" || step.status === "skipped",
        ).length,
        stepsTotal: state.steps.length,
      });
    } catch (error) {
      if (!isAegisError(error)) throw error;
      summaries.push({ runId: entry.name, runDir, readable: false, error: toErrorRecord(error) });
    }
  }
  return summaries.sort((a, b) => {
    const keyA = a.readable ? a.startedAt : "";
    const keyB = b.readable ? b.startedAt : "";
    if (keyA !== keyB) return keyA < keyB ? -1 : 1;
    return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
  });
}

/** The runs of one target that block a new run of it (unfinished or in progress), oldest first. */
export function findBlockingRuns(baseDir: string, targetKey: string): RunSummary[] {
  return listRuns(baseDir).filter(
    (run) => run.readable && run.targetKey === targetKey && (run.unfinished || run.inProgress),
  );
}
