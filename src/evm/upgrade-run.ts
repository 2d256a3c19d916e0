/**
 * Starts, resumes and rolls back upgrade runs: builds the checklist plan, shows its preview,
 * asks for confirmation before the first transaction, drives the engine and writes the run's
 * reports. The plan's input is saved in the run folder the moment the run exists, so that a
 * resume (days later, on another machine) rebuilds exactly the plan that was started.
 */
import fs from "node:fs";
import path from "node:path";
import { atomicWriteFileSync } from "../core/durable-fs";
import type { EngineEvent } from "../core/engine-events";
import { parseJournalValue, stringifyJournalValue } from "../core/json-codec";
import { computePlanHash } from "../core/plan-hash";
import { previewPlan, type PlanPreview } from "../core/plan-preview";
import { resumeRun } from "../core/resume-run";
import { rollbackRun } from "../core/rollback-run";
import type { RunResult } from "../core/run-options";
import { runDirOf, runsDirOf } from "../core/run-paths";
import { runPlan } from "../core/run-plan";
import { writeRunReports } from "../report/write-run-reports";
import { RunNotFoundError } from "./errors";
import { buildUpgradePlan, type UpgradePlanDeps, type UpgradePlanInput } from "./upgrade-plan";

/** The file in a run folder that holds the plan's input. */
export const PLAN_INPUT_FILE = "plan-input.json";

/** The plan's dependencies, plus where the run is kept and who hears its events. */
export interface UpgradeRunDeps extends UpgradePlanDeps {
  /** deployments/<network>: runs/ and locks/ live under it. */
  baseDir: string;
  onEvent?: (event: EngineEvent) => void;
}

/** How a new run should go. */
export interface StartOptions {
  dryRun: boolean;
  autoRollback: boolean;
  /** Asked once before the first transaction (not in a dry run); false declines the run. */
  confirm(preview: PlanPreview): Promise<boolean>;
}

/** A run's result, with where its reports are. */
export type UpgradeRunResult =
  | (RunResult & { reports: { json: string; markdown: string } })
  | { status: "declined"; preview: PlanPreview };

function planOf(input: UpgradePlanInput, deps: UpgradeRunDeps) {
  return buildUpgradePlan(input, deps);
}

function targetKeyOf(input: UpgradePlanInput): string {
  return `${input.chainId}-${input.proxy.toLowerCase()}`;
}

function withReports(result: RunResult): UpgradeRunResult {
  return { ...result, reports: writeRunReports(result.runDir, result.state) };
}

/** The preview of the plan an input describes, with its hash. */
export function previewUpgrade(input: UpgradePlanInput, deps: UpgradeRunDeps): PlanPreview {
  const plan = planOf(input, deps);
  return previewPlan(plan, computePlanHash(plan));
}

/** Starts a new run of the checklist. */
export async function startUpgrade(
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  options: StartOptions,
): Promise<UpgradeRunResult> {
  const plan = planOf(input, deps);
  const preview = previewPlan(plan, computePlanHash(plan));
  if (!options.dryRun && !(await options.confirm(preview))) return { status: "declined", preview };
  const result = await runPlan({
    plan,
    baseDir: deps.baseDir,
    dryRun: options.dryRun,
    autoRollback: options.autoRollback,
    targetKey: targetKeyOf(input),
    onEvent: (event) => {
      // Emitted right after RUN_STARTED is on disk and before any step starts.
      if (event.type === "run.started") {
        atomicWriteFileSync(path.join(event.runDir, PLAN_INPUT_FILE), stringifyJournalValue(input));
      }
      deps.onEvent?.(event);
    },
  });
  return withReports(result);
}

/** Reads the plan input saved in a run folder; AEGIS-E316 when there is no such run. */
export function readPlanInput(baseDir: string, runId: string): UpgradePlanInput {
  const file = path.join(runDirOf(baseDir, runId), PLAN_INPUT_FILE);
  if (!fs.existsSync(file)) throw new RunNotFoundError(runId, runsDirOf(baseDir));
  return parseJournalValue(fs.readFileSync(file, "utf8")) as UpgradePlanInput;
}

/** Resumes a run from its journal with the plan rebuilt from its saved input. */
export async function resumeUpgrade(
  runId: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
): Promise<UpgradeRunResult> {
  const result = await resumeRun({
    plan: planOf(input, deps),
    runId,
    baseDir: deps.baseDir,
    onEvent: deps.onEvent,
  });
  return withReports(result);
}

/** Rolls a run back on request. */
export async function rollbackUpgrade(
  runId: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
): Promise<UpgradeRunResult> {
  const result = await rollbackRun({
    plan: planOf(input, deps),
    runId,
    baseDir: deps.baseDir,
    onEvent: deps.onEvent,
  });
  return withReports(result);
}
