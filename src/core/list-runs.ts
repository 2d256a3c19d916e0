import * as fs from "node:fs";

import { isAegisError, toErrorRecord, type ErrorRecord } from "./errors";
import { loadRun } from "./load-run";
import { runDirOf, runsDirOf } from "./run-paths";
import type { RunState, RunStatus } from "./run-state";
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

/** A run folder as read from disk: its folded state, or why its journal cannot be read. */
type ReadRun =
  | { runId: string; runDir: string; state: RunState }
  | { runId: string; runDir: string; error: ErrorRecord };

/** Reads every run folder's journal once, oldest first (by start time, then id). */
function readRuns(baseDir: string): ReadRun[] {
  const runsDir = runsDirOf(baseDir);
  if (!fs.existsSync(runsDir)) return [];
  const runs: ReadRun[] = [];
  for (const entry of fs.readdirSync(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const runDir = runDirOf(baseDir, entry.name);
    try {
      runs.push({ runId: entry.name, runDir, state: loadRun(runDir).state });
    } catch (error) {
      if (!isAegisError(error)) throw error;
      runs.push({ runId: entry.name, runDir, error: toErrorRecord(error) });
    }
  }
  return runs.sort((a, b) => {
    const keyA = "state" in a ? a.state.startedAt : "";
    const keyB = "state" in b ? b.state.startedAt : "";
    if (keyA !== keyB) return keyA < keyB ? -1 : 1;
    return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
  });
}

function summaryOf(baseDir: string, run: ReadRun): RunSummary {
  if (!("state" in run))
    return { runId: run.runId, runDir: run.runDir, readable: false, error: run.error };
  const { state } = run;
  const lock = readTargetLock(baseDir, state.targetKey);
  return {
    runId: state.runId,
    runDir: run.runDir,
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
  };
}

/**
 * Lists the runs under a base directory, oldest first (by start time, then id). A run whose
 * journal cannot be read is listed with its error rather than hidden.
 */
export function listRuns(baseDir: string): RunSummary[] {
  return readRuns(baseDir).map((run) => summaryOf(baseDir, run));
}

/** The readable runs of one target, oldest first, as their journals fold (each read once). */
export function targetRunStates(baseDir: string, targetKey: string): RunState[] {
  return readRuns(baseDir).flatMap((run) =>
    "state" in run && run.state.targetKey === targetKey ? [run.state] : [],
  );
}

/** The runs of one target that block a new run of it (unfinished or in progress), oldest first. */
export function findBlockingRuns(baseDir: string, targetKey: string): RunSummary[] {
  return listRuns(baseDir).filter(
    (run) => run.readable && run.targetKey === targetKey && (run.unfinished || run.inProgress),
  );
}
