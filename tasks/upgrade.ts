import path from "node:path";
import readline from "node:readline/promises";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { ConfirmationUnavailableError, MissingUpgradeSettingError } from "../src/evm/errors";
import type { PlanPreview } from "../src/core/plan-preview";
import { assertRpcReachable } from "../src/evm/rpc";
import type { UpgradePlanInput } from "../src/evm/upgrade-plan";
import type { UpgradeRunDeps, UpgradeRunResult } from "../src/evm/upgrade-run";
import { createRunRenderer } from "./render-run";
import { crashPointListener } from "./crash-points";
import type { EngineEvent } from "../src/core/engine-events";
import { runTask } from "./run-task";
import { loadPreset, presetSnapshotter } from "./upgrade-support";
import "./aegis-config";

// Modules that import typechain-types load inside the actions, after the compile: the types
// exist only once the contracts are built, and `hardhat compile` itself loads this file.

async function connect(hre: HardhatRuntimeEnvironment) {
  const url = (hre.network.config as HttpNetworkConfig).url ?? "in-process";
  const chainId = await assertRpcReachable(hre.network.provider, hre.network.name, url);
  await hre.run("compile", { quiet: true });
  const [signer] = await hre.ethers.getSigners();
  const baseDir = path.join(hre.config.aegis.deploymentsDir, hre.network.name);
  return { url, chainId, signer: signer!, baseDir };
}

/** The network this task talks to, reached once per task. */
type Connection = Awaited<ReturnType<typeof connect>>;

/** The run's chain-side dependencies, for a plan input (new or read back for a resume). */
async function runDeps(
  hre: HardhatRuntimeEnvironment,
  connection: Connection,
  input: UpgradePlanInput,
  json: boolean,
): Promise<UpgradeRunDeps> {
  const { readValidations } = await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
  const { layoutOfBytecode } = await import("../src/evm/contract-layout");
  const { deploymentRecordPath, readDeploymentRecord } =
    await import("../src/evm/deployment-record");
  const { url, signer, baseDir } = connection;
  const recordPath = deploymentRecordPath(
    hre.config.aegis.deploymentsDir,
    input.network,
    input.recordName,
  );
  const record = readDeploymentRecord(recordPath, input.network);
  const artifact = await hre.artifacts.readArtifact(input.to.contract);
  const toLayout = layoutOfBytecode(
    await readValidations(hre),
    artifact.contractName,
    artifact.bytecode,
  );
  // The "before" layout is the one the plan started from: after an upgrade the record's
  // current layout is the new one, so a resumed run finds the old one in the history.
  const fromLayout =
    record.current.implementation === input.from.implementation
      ? record.layout
      : (record.history.findLast((entry) => entry.implementation === input.from.implementation)
          ?.layout ?? record.layout);
  const preset = await loadPreset(hre);
  return {
    provider: hre.ethers.provider,
    signer,
    preset,
    snapshotter: await presetSnapshotter({
      preset,
      endpoint: url === "in-process" ? hre.network.provider : url,
      input,
      fromLayout: fromLayout.storage as StorageLayout,
      toLayout: toLayout.storage,
      deployedAtBlock: record.deployedAt.block,
    }),
    toCreationBytecode: artifact.bytecode,
    toLayout,
    recordPath,
    baseDir,
    onEvent: withCrashPoints(createRunRenderer(json, (line) => console.log(line))),
  };
}

/**
 * A network that is not a development network is upgraded only with a passing rehearsal of the
 * same plan hash; the override is loud, and the run's preflight records it.
 */
async function checkRehearsal(
  hre: HardhatRuntimeEnvironment,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  withoutRehearsal: boolean,
): Promise<string> {
  const { previewUpgrade } = await import("../src/evm/upgrade-run");
  const { findPassingReceipt, receiptsDirOf } = await import("../src/evm/rehearsal-receipt");
  const { RehearsalMissingError } = await import("../src/evm/errors");
  if (hre.config.aegis.developmentNetworks.includes(hre.network.name))
    return "not required (development network)";
  const planHash = previewUpgrade(input, deps).planHash;
  const dir = receiptsDirOf(hre.config.aegis.deploymentsDir, hre.network.name);
  const found = findPassingReceipt(dir, planHash);
  if (found)
    return `passed on the ${found.receipt.engine} fork at block ${found.receipt.forkBlock} (${found.file})`;
  if (!withoutRehearsal) throw new RehearsalMissingError(hre.network.name, planHash, dir);
  console.error(
    `WARNING: upgrading ${hre.network.name} WITHOUT a passing rehearsal of plan ${planHash.slice(0, 12)}… (--without-rehearsal); the report records it.`,
  );
  return "OVERRIDDEN: no passing rehearsal (--without-rehearsal)";
}

function withCrashPoints(render: (event: EngineEvent) => void): (event: EngineEvent) => void {
  const crash = crashPointListener();
  return crash === undefined ? render : (event) => (render(event), crash(event));
}

function printPreview(preview: PlanPreview, print: (line: string) => void): void {
  print(
    `plan ${preview.planId} (${preview.planHash.slice(0, 12)}…): ${preview.steps.length} steps`,
  );
  for (const step of preview.steps) {
    const sends = step.changesTarget ? " [sends a transaction]" : "";
    print(`  · ${step.shortId.padEnd(22)} ${step.description ?? step.title ?? ""}${sends}`);
  }
  for (const item of preview.notFullyReversible) {
    print(
      `  ! ${item.id} is ${item.undo === "partial" ? "partially reversible" : "irreversible"}: ${item.why}`,
    );
  }
}

/** Shows the plan and asks once; with --json, everything for people goes to stderr. */
async function askToProceed(preview: PlanPreview, yes: boolean, json: boolean): Promise<boolean> {
  const out = json ? process.stderr : process.stdout;
  printPreview(preview, (line) => out.write(`${line}\n`));
  if (yes) return true;
  if (!process.stdin.isTTY) throw new ConfirmationUnavailableError();
  const prompt = readline.createInterface({ input: process.stdin, output: out });
  try {
    const answer = await prompt.question("Send the first transaction? [y/N] ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** Prints how the run ended, where its report is, and sets the exit code. */
function finish(result: UpgradeRunResult, json: boolean): void {
  if (result.status === "declined") {
    console.log("Declined: nothing was sent.");
    process.exitCode = 1;
    return;
  }
  const write = (line: string) => (json ? console.error(line) : console.log(line));
  if (result.failure) {
    const { error, step } = result.failure;
    console.error(`${error.code} ${error.message} (at ${step})\n  hint: ${error.hint}`);
  }
  const endings: Record<string, string> = {
    completed: "Upgrade complete.",
    "dry-run": "Dry run complete: nothing was sent.",
    waiting: `Waiting: ${result.awaiting?.reason ?? ""}. Resume with --resume ${result.runId}.`,
    "rolled-back":
      "Rolled back: the proxy points at its previous implementation and the protocol is unpaused (a reinitializer's writes stay in storage; the report lists them).",
    failed: `Stopped at ${result.failure?.step ?? "a step"} and NOT rolled back: the protocol is left as the run left it${result.state.steps.some((step) => step.shortId === "pause" && step.status === "completed") ? ", PAUSED on purpose" : ""}. Resume with --resume ${result.runId}, or undo with aegis:rollback --run ${result.runId}.`,
  };
  write(endings[result.status] ?? result.status);
  write(`Report: ${result.reports.markdown}`);
  if (result.status === "failed" || result.status === "rolled-back") process.exitCode = 1;
}

task("aegis:upgrade", "Runs the AEGIS upgrade checklist against a live proxy")
  .addOptionalParam(
    "proxy",
    "deployment record name or proxy address (default: aegis.upgrade.proxy)",
  )
  .addOptionalParam("to", "contract to upgrade to (default: aegis.upgrade.to)")
  .addOptionalParam("resume", "resume the run with this id")
  .addOptionalParam("monitorBlocks", "blocks to watch after the upgrade", undefined, types.int)
  .addFlag("dryRun", "send nothing: run the checks and say what each step would send")
  .addFlag("yes", "do not ask before the first transaction")
  .addFlag("json", "print engine events as JSON lines")
  .addFlag(
    "noAutoRollback",
    "on a failure, leave the protocol as it is (paused) instead of rolling back",
  )
  .addFlag(
    "withoutRehearsal",
    "upgrade a live network without a passing rehearsal receipt (recorded in the report)",
  )
  .setAction(
    async (
      args: {
        proxy?: string;
        to?: string;
        resume?: string;
        monitorBlocks?: number;
        dryRun: boolean;
        yes: boolean;
        json: boolean;
        noAutoRollback: boolean;
        withoutRehearsal: boolean;
      },
      hre,
    ) =>
      runTask(async () => {
        const settings = hre.config.aegis.upgrade;
        const connection = await connect(hre);
        const { chainId, signer, baseDir } = connection;
        const { readPlanInput, resumeUpgrade, startUpgrade } =
          await import("../src/evm/upgrade-run");
        if (args.resume !== undefined) {
          const input = readPlanInput(baseDir, args.resume);
          finish(
            await resumeUpgrade(
              args.resume,
              input,
              await runDeps(hre, connection, input, args.json),
            ),
            args.json,
          );
          return;
        }
        const proxy = args.proxy ?? settings.proxy;
        const to = args.to ?? settings.to;
        if (proxy === undefined) throw new MissingUpgradeSettingError("proxy");
        if (to === undefined) throw new MissingUpgradeSettingError("to");
        const { prepareUpgrade } = await import("../src/evm/upgrade-inputs");
        const { readValidations } =
          await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
        const prepared = await prepareUpgrade(
          {
            proxy,
            to,
            call: settings.call === undefined ? null : settings.call,
            expectedInitializedVersion: settings.initializerVersion ?? null,
            monitorBlocks: args.monitorBlocks ?? settings.monitorBlocks ?? 1,
          },
          {
            provider: hre.ethers.provider,
            signerAddress: await signer.getAddress(),
            networkName: hre.network.name,
            chainId,
            deploymentsDir: hre.config.aegis.deploymentsDir,
            artifacts: hre.artifacts,
            validations: await readValidations(hre),
            preset: await loadPreset(hre),
          },
        );
        const { input } = prepared;
        const deps = await runDeps(hre, connection, input, args.json);
        deps.rehearsal = await checkRehearsal(hre, input, deps, args.withoutRehearsal);
        if (!args.json) {
          console.log(
            `AEGIS upgrade · ${input.recordName} ${input.proxy} · chain ${chainId} · ${input.from.contract} -> ${input.to.contract}`,
          );
        }
        const result = await startUpgrade(input, deps, {
          dryRun: args.dryRun,
          autoRollback: !args.noAutoRollback,
          confirm: (preview) => askToProceed(preview, args.yes, args.json),
        });
        finish(result, args.json);
      }),
  );

task("aegis:rollback", "Rolls an upgrade run back: its steps' rollbacks, in reverse")
  .addOptionalParam("run", "the run's id (default: the latest run of this network)")
  .addFlag("json", "print engine events as JSON lines")
  .setAction(async (args: { run?: string; json: boolean }, hre) =>
    runTask(async () => {
      const connection = await connect(hre);
      const { baseDir } = connection;
      const { listRuns } = await import("../src/core/list-runs");
      const { readPlanInput, rollbackUpgrade } = await import("../src/evm/upgrade-run");
      const runId = args.run ?? listRuns(baseDir).at(-1)?.runId ?? "(none)";
      const input = readPlanInput(baseDir, runId);
      finish(
        await rollbackUpgrade(runId, input, await runDeps(hre, connection, input, args.json)),
        args.json,
      );
    }),
  );

task("aegis:status", "Lists this network's upgrade runs and where each stands")
  .addFlag("json", "print the list as JSON")
  .setAction(async (args: { json: boolean }, hre) =>
    runTask(async () => {
      const baseDir = path.join(hre.config.aegis.deploymentsDir, hre.network.name);
      const { listRuns } = await import("../src/core/list-runs");
      const runs = listRuns(baseDir);
      if (args.json) {
        console.log(JSON.stringify(runs, null, 2));
        return;
      }
      if (runs.length === 0) console.log(`no runs under ${baseDir}`);
      for (const run of runs) {
        console.log(
          run.readable
            ? `${run.runId}  ${run.status.padEnd(11)} ${run.stepsDone}/${run.stepsTotal} steps  plan ${run.planId} ${run.planHash.slice(0, 12)}…`
            : `${run.runId}  unreadable: ${run.error.code} ${run.error.message}`,
        );
      }
    }),
  );
