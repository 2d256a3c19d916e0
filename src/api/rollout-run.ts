/**
 * Starts and resumes API rollouts on the engine: the plan's input travels in the journal's
 * first line, so `--resume` rebuilds exactly the plan that started (and the engine refuses it,
 * naming the field, when the spec changed since). Reports are written by the caller's renderer.
 */
import fs from "node:fs";
import type { EngineEvent } from "../core/engine-events";
import { RunNotFoundError } from "../core/errors";
import { loadRun } from "../core/load-run";
import { resumeRun } from "../core/resume-run";
import type { RunResult, WaitPolicy } from "../core/run-options";
import { readJournal } from "../core/journal-reader";
import { journalFileOf, runDirOf } from "../core/run-paths";
import { runPlan } from "../core/run-plan";
import type { RunState } from "../core/run-state";
import type { StopRequest } from "../core/stop-request";
import { NotAnApiRunError } from "./errors";
import type { RolloutInput } from "./rollout-input";
import { buildRolloutPlan, rolloutPlanId, type RolloutPlanDeps } from "./rollout-plan";

/** Where a run's reports were written. */
export interface ReportPaths {
  json: string;
  markdown: string;
}

/** The rollout's dependencies: the plan's, plus where runs are kept and who hears of them. */
export interface RolloutRunDeps extends RolloutPlanDeps {
  /** Folder with runs/ and locks/ (deployments/api). */
  baseDir: string;
  /** Renders a run's reports into its folder; given by the caller (src/report imports no kind). */
  writeReports?(runDir: string, state: RunState): ReportPaths;
  onEvent?(event: EngineEvent): void;
  stop?: StopRequest;
  /** Keep watching observation windows until this deadline. */
  waitPolicy?: WaitPolicy;
  /** fsync every journal line (default), or not (tests). */
  durability?: "fsync" | "none";
}

/** A rollout run's result, with its reports. */
export type RolloutResult = RunResult & { reports?: ReportPaths };

function engineOptions(deps: RolloutRunDeps) {
  return {
    baseDir: deps.baseDir,
    now: deps.now,
    ...(deps.onEvent === undefined ? {} : { onEvent: deps.onEvent }),
    ...(deps.stop === undefined ? {} : { stop: deps.stop }),
    ...(deps.waitPolicy === undefined ? {} : { waitPolicy: deps.waitPolicy }),
  };
}

function withReports(result: RunResult, deps: RolloutRunDeps): RolloutResult {
  return deps.writeReports === undefined
    ? result
    : { ...result, reports: deps.writeReports(result.runDir, result.state) };
}

/** Starts a rollout; a stop verdict (a tripped trigger) rolls the traffic back by itself. */
export async function startRollout(
  input: RolloutInput,
  deps: RolloutRunDeps,
): Promise<RolloutResult> {
  const result = await runPlan({
    ...engineOptions(deps),
    plan: buildRolloutPlan(input, deps),
    autoRollback: true,
    targetKey: rolloutPlanId(input),
    ...(deps.durability === undefined ? {} : { durability: deps.durability }),
  });
  return withReports(result, deps);
}

/** The input a rollout run started with, from its journal (AEGIS-E111, E533). */
export function readRolloutInput(baseDir: string, runId: string): RolloutInput {
  const runDir = runDirOf(baseDir, runId);
  if (!fs.existsSync(runDir))
    throw new RunNotFoundError(runDir, "run npx hardhat api:rollout --spec <file> to start one");
  const input = loadRun(runDir).state.hashInput as Partial<RolloutInput> | undefined;
  if (input?.kind !== "api-rollout") throw new NotAnApiRunError(runId);
  return input as RolloutInput;
}

/** Resumes a rollout where its journal says it stands (a waiting stage goes on watching). */
export async function resumeRollout(
  runId: string,
  input: RolloutInput,
  deps: RolloutRunDeps,
): Promise<RolloutResult> {
  const result = await resumeRun({
    ...engineOptions(deps),
    plan: buildRolloutPlan(input, deps),
    runId,
  });
  return withReports(result, deps);
}

/**
 * The weight a run last set, as its journal says (0 before any stage). An in-process split
 * lives and dies with its process: a resumed run starts its split at this weight, which is
 * where the run left the traffic.
 */
export function journaledWeight(baseDir: string, runId: string): number {
  let weight = 0;
  for (const line of readJournal(journalFileOf(runDirOf(baseDir, runId))).lines) {
    const fact = line as { type: string; outcome?: unknown; result?: string };
    const settled =
      fact.type === "EFFECT_OUTCOME" ||
      (fact.type === "EFFECT_RECONCILED" && fact.result === "applied");
    const percent = (fact.outcome as { percent?: unknown } | undefined)?.percent;
    if (settled && typeof percent === "number") weight = percent;
  }
  return weight;
}
