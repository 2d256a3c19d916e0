/**
 * Starts, resumes, rolls back and abandons upgrade runs: builds the checklist plan, refuses a
 * new run while an unfinished one holds the proxy, shows the plan (or the rollback) and asks
 * once before the first transaction, drives the engine and writes the run's reports. The plan's
 * input travels in the journal's first line, so a resume (days later, on another machine)
 * rebuilds exactly the plan that was started.
 */
import fs from "node:fs";
import path from "node:path";
import { abandonRun } from "../../core/abandon-run";
import type { EngineEvent } from "../../core/engine-events";
import { RunNotFoundError } from "../../core/errors";
import { parseJournalValue } from "../../core/json-codec";
import { findBlockingRuns, targetRunStates } from "../../core/list-runs";
import { isRunUnfinished } from "../../core/run-standing";
import { loadRun } from "../../core/load-run";
import { computePlanHash } from "../../core/plan-hash";
import { previewPlan, type PlanPreview } from "../../core/plan-preview";
import { resumeRun } from "../../core/resume-run";
import { previewRollback, type RollbackPreviewItem } from "../../core/rollback-preview";
import { rollbackRun } from "../../core/rollback-run";
import type { RunResult, WaitPolicy } from "../../core/run-options";
import { runDirOf } from "../../core/run-paths";
import { runPlan } from "../../core/run-plan";
import { findStep, type RunState } from "../../core/run-state";
import type { StopRequest } from "../../core/stop-request";
import { LIST_RUNS_HINT, RunInProgressError, UnfinishedRunError } from "../errors";
import { recordFollowsChain } from "./record-updates";
import { readProxyInfo } from "../chain/eip1967";
import { toolkitPauseHolder } from "./upgrade-journal-facts";
import { targetKeyOf } from "./upgrade-target-key";
import type { UpgradePlanDeps, UpgradePlanInput } from "./plan-input";
import { buildUpgradePlan } from "./upgrade-plan";

/** The file in a run folder that held the plan's input before the journal carried it. */
export const PLAN_INPUT_FILE = "plan-input.json";

/** Where a run's report.json and report.md were written. */
export interface ReportPaths {
  json: string;
  markdown: string;
}

/**
 * The plan's dependencies, plus where the run is kept, who writes its reports, who hears its
 * events and who stops it.
 */
export interface UpgradeRunDeps extends UpgradePlanDeps {
  /** deployments/<network>: runs/ and locks/ live under it. */
  baseDir: string;
  /**
   * Renders a finished (or stopped) run's reports into its folder. Given by the caller so that
   * this kind depends on no renderer (src/report renders data and imports no kind).
   */
  writeReports(runDir: string, state: RunState): ReportPaths;
  onEvent?: (event: EngineEvent) => void;
  /** Set by a signal: the run stops at its next safe point. */
  stop?: StopRequest;
  /** Keep watching a waiting step (the monitor window) until this deadline. */
  waitPolicy?: WaitPolicy;
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
  (RunResult & { reports: ReportPaths }) | { status: "declined"; preview?: PlanPreview };

function engineOptions(deps: UpgradeRunDeps) {
  return {
    baseDir: deps.baseDir,
    ...(deps.onEvent === undefined ? {} : { onEvent: deps.onEvent }),
    ...(deps.stop === undefined ? {} : { stop: deps.stop }),
    ...(deps.waitPolicy === undefined ? {} : { waitPolicy: deps.waitPolicy }),
  };
}

function planOf(input: UpgradePlanInput, deps: UpgradeRunDeps) {
  const targetKey = targetKeyOf(input.chainId, input.proxy);
  return buildUpgradePlan(input, {
    ...deps,
    toolkitPauseHolder: deps.toolkitPauseHolder ?? (() => pauseHolderOf(deps.baseDir, targetKey)),
  });
}

function withReports(result: RunResult, deps: UpgradeRunDeps): UpgradeRunResult {
  return { ...result, reports: deps.writeReports(result.runDir, result.state) };
}

/** The settled runs of a target (none of them unfinished), oldest first. */
function settledRunStates(baseDir: string, targetKey: string): RunState[] {
  return targetRunStates(baseDir, targetKey).filter((state) => !isRunUnfinished(state));
}

/** The run of this toolkit whose pause is still in effect on a target, if any. */
function pauseHolderOf(baseDir: string, targetKey: string): string | undefined {
  return toolkitPauseHolder(settledRunStates(baseDir, targetKey));
}

/**
 * Refuses a new run of a proxy while another run of it is in progress (AEGIS-E334) or left
 * unfinished (AEGIS-E333), naming that run and the commands that finish it. Called before any
 * plan is shown or any prompt asked.
 */
export function assertNoUnfinishedRun(
  baseDir: string,
  network: string,
  chainId: number,
  proxy: string,
): void {
  const blocking = findBlockingRuns(baseDir, targetKeyOf(chainId, proxy));
  const live = blocking.find((run) => run.readable && run.inProgress);
  if (live?.readable) throw new RunInProgressError(live.runId, live.standing, network);
  const unfinished = blocking.at(-1);
  if (unfinished?.readable)
    throw new UnfinishedRunError(unfinished.runId, unfinished.standing, network);
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
  assertNoUnfinishedRun(deps.baseDir, input.network, input.chainId, input.proxy);
  const plan = planOf(input, deps);
  const preview = previewPlan(plan, computePlanHash(plan));
  if (!options.dryRun && !(await options.confirm(preview))) return { status: "declined", preview };
  const result = await runPlan({
    ...engineOptions(deps),
    plan,
    dryRun: options.dryRun,
    autoRollback: options.autoRollback,
    targetKey: targetKeyOf(input.chainId, input.proxy),
  });
  return withReports(result, deps);
}

/**
 * Reads a run's plan input: from its journal's first line, or from the file runs kept before
 * the journal carried it; AEGIS-E111 when there is no such run.
 */
export function readPlanInput(baseDir: string, runId: string): UpgradePlanInput {
  const runDir = runDirOf(baseDir, runId);
  if (!fs.existsSync(runDir)) throw new RunNotFoundError(runDir, LIST_RUNS_HINT);
  const fromJournal = loadRun(runDir).state.hashInput;
  if (fromJournal !== undefined) return fromJournal as UpgradePlanInput;
  const file = path.join(runDir, PLAN_INPUT_FILE);
  if (!fs.existsSync(file)) throw new RunNotFoundError(runDir, LIST_RUNS_HINT);
  return parseJournalValue(fs.readFileSync(file, "utf8")) as UpgradePlanInput;
}

/** Resumes a run from its journal with the plan rebuilt from its input. */
export async function resumeUpgrade(
  runId: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
): Promise<UpgradeRunResult> {
  const result = await resumeRun({ ...engineOptions(deps), plan: planOf(input, deps), runId });
  return withReports(result, deps);
}

/** What a rollback of a run would undo, for its confirmation. */
function previewUpgradeRollback(
  runId: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
): RollbackPreviewItem[] {
  return previewRollback(planOf(input, deps), loadRun(runDirOf(deps.baseDir, runId)).state);
}

/** Rolls a run back on request, after `confirm` (when given) accepts what it would undo. */
export async function rollbackUpgrade(
  runId: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  confirm?: (items: RollbackPreviewItem[]) => Promise<boolean>,
): Promise<UpgradeRunResult> {
  if (confirm && !(await confirm(previewUpgradeRollback(runId, input, deps))))
    return { status: "declined" };
  const result = await rollbackRun({ ...engineOptions(deps), plan: planOf(input, deps), runId });
  return withReports(result, deps);
}

/**
 * Gives an unfinished run up after reconciling it against the chain; `confirm` sees what the
 * run leaves on the proxy first. The deployment record then follows the chain.
 */
export async function abandonUpgrade(
  runId: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  options: { reason: string; confirm?: (observed: Record<string, unknown>) => Promise<boolean> },
): Promise<UpgradeRunResult> {
  const result = await abandonRun({
    ...engineOptions(deps),
    plan: planOf(input, deps),
    runId,
    reason: options.reason,
    ...(options.confirm === undefined ? {} : { confirm: options.confirm }),
  });
  if (result === undefined) return { status: "declined" };
  const { implementation } = await readProxyInfo(deps.provider, input.proxy);
  const deployed = findStep(result.state, "deploy-implementation");
  const upgrade = findStep(result.state, "upgrade");
  const address = deployed?.hasOutput
    ? (deployed.output as { address: string; runtimeCodeHash: string })
    : undefined;
  recordFollowsChain(
    deps.recordPath,
    input.network,
    implementation,
    address === undefined
      ? undefined
      : {
          contract: input.to.contract,
          implementation: address.address,
          creationBytecodeHash: input.to.creationBytecodeHash,
          runtimeCodeHash: address.runtimeCodeHash,
          // The step's output names the transaction that made the call, however it was routed.
          block:
            (upgrade?.output as { tx?: { block: number } } | undefined)?.tx?.block ??
            (
              upgrade?.effects.find((effect) => effect.key === "upgrade-tx")?.outcome as
                { block: number } | undefined
            )?.block ??
            0,
          runId,
          layout: deps.toLayout,
        },
  );
  return withReports(result, deps);
}
