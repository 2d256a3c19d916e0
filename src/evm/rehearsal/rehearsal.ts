/**
 * Rehearses an upgrade on a fork: the same plan, with the same hash, as `aegis:upgrade` would run
 * on the live chain, signed by the real upgrade authority through impersonation; then the way
 * back (the run's own rollback) on the same fork, checked value by value, so the rollback
 * procedure is proven before anyone needs it. The live records are never touched: the run works
 * on a copy, and only the receipt and its reports are written beside the live records.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import type { ValidationData } from "@openzeppelin/upgrades-core";
import type { EngineEvent } from "../../core/engine-events";
import { parseJournalValue } from "../../core/json-codec";
import { artifactRelativePath } from "../../core/run-paths";
import type { RunState } from "../../core/run-state";
import type { WaitPolicy } from "../../core/run-options";
import {
  deploymentRecordPath,
  readDeploymentRecord,
  writeDeploymentRecord,
} from "../chain/deployment-record";
import type { Fork } from "./fork";
import { safeUrl } from "../../core/redaction";
import { receiptsDirOf, writeReceipt, type RehearsalReceipt } from "./rehearsal-receipt";
import type { StorageSnapshotter } from "../storage/storage-snapshotter";
import { readProxyInfo } from "../chain/eip1967";
import { readUpgradeAuthority } from "../chain/upgrade-authority";
import { resolveAuthorityChain, signerRoute } from "../chain/authority-chain";
import { signingByApproval } from "../chain/authority-transaction";
import { INITIALIZED_PATH, PAUSED_PATH } from "../upgrade/upgrade-storage-paths";
import {
  prepareUpgrade,
  resolveRecord,
  type ArtifactSource,
  type UpgradeRequest,
} from "../upgrade/upgrade-inputs";
import type { UpgradePlanInput } from "../upgrade/plan-input";
import { STATE_BEFORE } from "../upgrade/steps/record-invariants";
import { STORAGE_BEFORE } from "../upgrade/steps/snapshot";
import type { UpgradePreset } from "../upgrade/upgrade-preset";
import {
  previewUpgrade,
  rollbackUpgrade,
  startUpgrade,
  type UpgradeRunDeps,
  type UpgradeRunResult,
} from "../upgrade/upgrade-run";
import type { ContractLayout } from "../storage/contract-layout";
import type { DeploymentRecord } from "../chain/deployment-record";

/** What a rehearsal needs. */
export interface RehearseParams {
  fork: Fork;
  forkUrl: string;
  liveNetwork: string;
  /** The live records' root (deployments/); receipts are written under it. */
  deploymentsDir: string;
  request: UpgradeRequest;
  /**
   * The proxy's record when it is not on disk yet (an import from OpenZeppelin's manifest, which
   * the caller writes once the rehearsal has run): the rehearsal works on a copy of it.
   */
  record?: { record: DeploymentRecord; recordPath: string };
  artifacts: ArtifactSource;
  validations: ValidationData;
  preset: UpgradePreset<unknown>;
  /** Builds the snapshot port for the fork (the preset knows its mapping keys). */
  makeSnapshotter(
    input: UpgradePlanInput,
    record: DeploymentRecord,
    toLayout: ContractLayout,
  ): Promise<StorageSnapshotter>;
  /** Renders each fork run's reports (the caller's renderer; see UpgradeRunDeps). */
  writeReports: UpgradeRunDeps["writeReports"];
  onEvent?: (event: EngineEvent) => void;
  /**
   * The live run's signer. When it reaches the upgrade right through a Safe or a timelock, the
   * rehearsal builds the live plan (same routes, same hash) and drives it: the Safe's owners
   * approve its transaction on the fork, and the fork's clock jumps past a timelock's delay.
   */
  signerAddress?: string;
}

/** The rehearsal's outcome. */
export interface RehearsalResult {
  receipt: RehearsalReceipt;
  receiptFile: string;
  planHash: string;
  forward: UpgradeRunResult;
  back?: UpgradeRunResult;
}

type Verdicts = RehearsalReceipt["forward"]["verdicts"];

function verdictsOf(state: RunState): Verdicts {
  return state.steps.flatMap((step) =>
    step.verification === undefined
      ? []
      : [
          {
            step: step.shortId,
            verdict: step.verification.verdict,
            ...(step.verification.message === undefined
              ? {}
              : { message: step.verification.message }),
            figures: step.verification.figures,
          },
        ],
  );
}

/** One verdict per step the rollback touched: go when it was undone (or had nothing to undo). */
function rollbackVerdictsOf(state: RunState): Verdicts {
  return state.steps
    .filter((step) => step.rollback.status !== "none")
    .map((step) => ({
      step: `rollback ${step.shortId}`,
      verdict: step.rollback.status === "failed" ? "stop" : "go",
      message: step.rollback.error?.message ?? step.rollback.skipped?.why ?? step.rollback.status,
      figures: { effects: step.rollback.effects.length },
    }));
}

/** How long a rehearsal drives a waiting step before it gives up (a fork answers at once). */
const REHEARSAL_WAIT_MS = 10 * 60_000;

/**
 * A fork mines only what it is told to: the engine's wait policy drives a waiting step (the
 * monitor window) to its end, mining the blocks it waits for before each check.
 */
function forkWaitPolicy(fork: Fork): WaitPolicy {
  return {
    deadline: Date.now() + REHEARSAL_WAIT_MS,
    pollMs: 0,
    async beforePoll(awaiting) {
      if (awaiting.condition?.kind === "timelock") {
        // The fork's clock jumps to the operation's ready time; the next check executes it.
        const readyAt = Number(awaiting.condition.readyAt);
        const latest = await fork.provider.getBlock("latest");
        if ((latest?.timestamp ?? 0) < readyAt) {
          await fork.mineAt(readyAt);
        }
        return;
      }
      if (awaiting.condition?.kind !== "blocks") return;
      const until = Number(awaiting.condition.untilBlock);
      await fork.mine(Math.max(1, until - (await fork.provider.getBlockNumber())));
    },
  };
}

/** Runs the forward checklist and the way back on the fork, and writes the receipt. */
export async function rehearseUpgrade(params: RehearseParams): Promise<RehearsalResult> {
  const startedAt = new Date().toISOString();
  const { fork } = params;
  // Work on a copy of the live record: the run updates its record, the live one must not move.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-rehearsal-"));
  try {
    const live =
      params.record ??
      resolveRecord(params.deploymentsDir, params.liveNetwork, params.request.proxy);
    const recordPath = deploymentRecordPath(workDir, params.liveNetwork, live.record.name);
    if (params.record === undefined) {
      fs.mkdirSync(path.dirname(recordPath), { recursive: true });
      fs.copyFileSync(live.recordPath, recordPath);
    } else {
      writeDeploymentRecord(recordPath, live.record);
    }

    const info = await readProxyInfo(fork.provider, live.record.proxy);
    const authority = await readUpgradeAuthority(fork.provider, info);
    const chain = await resolveAuthorityChain(fork.provider, live.record.proxy);
    const liveRoute =
      params.signerAddress === undefined
        ? undefined
        : signerRoute(chain.upgrade, params.signerAddress);
    const routed = liveRoute?.kind === "safe" || liveRoute?.kind === "timelock";
    // Through a Safe or a timelock: the live signer, taking the live plan's way. Otherwise the
    // ProxyAdmin's owner, or for UUPS the account the record names as the upgrade authority.
    const upgrader = routed
      ? ethers.getAddress(params.signerAddress as string)
      : authority.kind === "transparent"
        ? authority.owner
        : live.record.owner;
    const signer = await fork.impersonate(upgrader);
    const prepared = await prepareUpgrade(
      { ...params.request, proxy: live.record.name },
      {
        provider: fork.provider,
        signerAddress: upgrader,
        networkName: params.liveNetwork,
        chainId: fork.chainId,
        deploymentsDir: workDir,
        artifacts: params.artifacts,
        validations: params.validations,
        preset: params.preset,
        ...(routed ? { runnableRoutes: new Set(["direct", "timelock", "safe"] as const) } : {}),
      },
    );
    const { input } = prepared;
    const snapshotter = await params.makeSnapshotter(
      input,
      readDeploymentRecord(recordPath, params.liveNetwork),
      prepared.toLayout,
    );
    const deps: UpgradeRunDeps = {
      provider: fork.provider,
      signer,
      preset: params.preset,
      snapshotter,
      toCreationBytecode: prepared.toCreationBytecode,
      toLayout: prepared.toLayout,
      recordPath,
      baseDir: path.join(workDir, params.liveNetwork),
      writeReports: params.writeReports,
      onEvent: params.onEvent,
      localSafeSigning: signingByApproval((owner) => fork.impersonate(owner)),
    };
    const planHash = previewUpgrade(input, deps).planHash;

    const forward = await startUpgrade(
      input,
      { ...deps, waitPolicy: forkWaitPolicy(fork) },
      { dryRun: false, autoRollback: true, confirm: async () => true },
    );
    if (forward.status === "declined") throw new Error("a rehearsal never asks for confirmation");

    let back: UpgradeRunResult | undefined;
    let backVerdicts: Verdicts = [];
    if (forward.status === "completed") {
      back = await rollbackUpgrade(forward.runId, input, {
        ...deps,
        waitPolicy: forkWaitPolicy(fork),
      });
      if (back.status !== "declined") {
        backVerdicts = [
          ...rollbackVerdictsOf(back.state),
          ...(await checkWayBack(forward.runDir, input, deps, snapshotter)),
        ];
      }
    }
    const upgraded = forward.state.steps.find((step) => step.shortId === "deploy-implementation")
      ?.output as { runtimeCodeHash?: string } | undefined;
    const passed =
      forward.status === "completed" &&
      back !== undefined &&
      back.status === "rolled-back" &&
      backVerdicts.every((verdict) => verdict.verdict === "go");
    const receipt: RehearsalReceipt = {
      schemaVersion: 1,
      kind: "aegis-rehearsal-receipt",
      planId: input.planId,
      planHash,
      network: params.liveNetwork,
      chainId: fork.chainId,
      engine: fork.engine,
      forkUrl: safeUrl(params.forkUrl),
      forkBlock: fork.forkBlock,
      proxy: input.proxy,
      toContract: input.to.contract,
      toCreationBytecodeHash: input.to.creationBytecodeHash,
      toRuntimeCodeHash: upgraded?.runtimeCodeHash ?? null,
      passed,
      forward: { status: forward.status, verdicts: verdictsOf(forward.state) },
      back:
        back && back.status !== "declined" ? { status: back.status, verdicts: backVerdicts } : null,
      startedAt,
      endedAt: new Date().toISOString(),
      reports: { markdown: "report.md", json: "report.json" },
    };
    const receiptsDir = receiptsDirOf(params.deploymentsDir, params.liveNetwork);
    const name = `${forward.runId}-${fork.engine}`;
    const receiptFile = writeReceipt(receiptsDir, name, receipt);
    fs.copyFileSync(forward.reports.markdown, path.join(receiptsDir, name, "report.md"));
    fs.copyFileSync(forward.reports.json, path.join(receiptsDir, name, "report.json"));
    return { receipt, receiptFile, planHash, forward, back };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * After the rollback: the old implementation must read every value it had before the upgrade
 * (only the reinitializer's version and the pause flag may differ) and the invariants must hold
 * against the state recorded before the upgrade.
 */
async function checkWayBack(
  runDir: string,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  snapshotter: StorageSnapshotter,
): Promise<Verdicts> {
  const block = await deps.provider.getBlockNumber();
  const info = await readProxyInfo(deps.provider, input.proxy, block);
  const artifact = (kept: { step: string; name: string }) =>
    fs.readFileSync(path.join(runDir, artifactRelativePath(kept.step, kept.name)), "utf8");
  const before = artifact(STORAGE_BEFORE);
  const now = await snapshotter.take(block, "before");
  const diff = snapshotter.diff(before, now.json, [INITIALIZED_PATH, PAUSED_PATH]);
  const stateBefore = parseJournalValue(artifact(STATE_BEFORE));
  const stateNow = await deps.preset.readState(
    deps.provider,
    readDeploymentRecord(deps.recordPath, input.network),
    block,
  );
  const broken = deps.preset.compareStates(stateBefore, stateNow).filter((result) => !result.holds);
  const restored = ethers.getAddress(info.implementation) === input.from.implementation;
  return [
    {
      step: "back-implementation",
      verdict: restored ? "go" : "stop",
      figures: { implementation: info.implementation, expected: input.from.implementation },
    },
    {
      step: "back-storage",
      verdict: diff.unexpected.length === 0 ? "go" : "stop",
      message: `${now.variables} values read by ${input.from.contract}; ${diff.unexpected.length} unexpected difference(s)`,
      figures: Object.fromEntries(
        [...diff.expected, ...diff.unexpected].map((change) => [
          change.variable,
          { before: change.before, after: change.after },
        ]),
      ),
    },
    {
      step: "back-invariants",
      verdict: broken.length === 0 ? "go" : "stop",
      message:
        broken.length === 0
          ? "every invariant holds against the state before the upgrade"
          : broken.map((r) => `${r.id} ${r.violation}`).join("; "),
      figures: { broken: broken.length },
    },
  ];
}
