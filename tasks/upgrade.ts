import path from "node:path";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { LocalSafeSigningRefusedError, MissingUpgradeSettingError } from "../src/evm/errors";
import type { LocalSafeSigning } from "../src/evm/chain/authority-transaction";
import type { PlanPreview } from "../src/core/plan-preview";
import type { RollbackPreviewItem } from "../src/core/rollback-preview";
import { StopRequest } from "../src/core/stop-request";
import { parseDuration } from "../src/core/duration";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import type { UpgradePlanInput } from "../src/evm/upgrade/plan-input";
import type { UpgradeRunDeps, UpgradeRunResult } from "../src/evm/upgrade/upgrade-run";
import { parseCallOption } from "../src/evm/upgrade/upgrade-call";
import { writeRunReports } from "../src/report/write-run-reports";
import { createRunRenderer } from "./render-run";
import { crashPointListener } from "./crash-points";
import type { EngineEvent } from "../src/core/engine-events";
import { askYesNo } from "./confirm";
import { runTask } from "./run-task";
import { stopOnSignals } from "./stop-signals";
import { NO_COMPILE_FLAG, compileFirst } from "./compile-first";
import { importFromManifest, loadPreset, presetSnapshotter } from "./upgrade-support";
import "./aegis-config";

// Modules that import typechain-types load inside the actions, after the compile: the types
// exist only once the contracts are built, and `hardhat compile` itself loads this file.

async function connect(hre: HardhatRuntimeEnvironment, args: { noCompile?: boolean }) {
  const url = (hre.network.config as HttpNetworkConfig).url ?? "in-process";
  const chainId = await assertRpcReachable(hre.network.provider, hre.network.name, url);
  await compileFirst(hre, args);
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
  control: Pick<UpgradeRunDeps, "stop" | "waitPolicy" | "localSafeSigning"> = {},
): Promise<UpgradeRunDeps> {
  const { readValidations } = await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
  const { layoutOfBytecode } = await import("../src/evm/storage/contract-layout");
  const { deploymentRecordPath, readDeploymentRecord } =
    await import("../src/evm/chain/deployment-record");
  const { layoutBefore } = await import("../src/evm/upgrade/before-layout");
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
  const fromLayout = layoutBefore(record, input.from.implementation);
  const preset = await loadPreset(hre, record, input.to.contract);
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
    writeReports: writeRunReports,
    onEvent: withCrashPoints(createRunRenderer(json, (line) => console.log(line))),
    ...control,
  };
}

/**
 * --sign-locally: the network's own accounts that own a Safe sign its transactions and the run
 * executes them. Only on a development network (AEGIS-E356): elsewhere the owners sign.
 */
async function localSafeSigningOf(
  hre: HardhatRuntimeEnvironment,
  signLocally: boolean,
): Promise<LocalSafeSigning | undefined> {
  if (!signLocally) return undefined;
  if (!hre.config.aegis.developmentNetworks.includes(hre.network.name)) {
    throw new LocalSafeSigningRefusedError(hre.network.name);
  }
  const { signingByAccounts } = await import("../src/evm/chain/authority-transaction");
  const accounts = await hre.ethers.getSigners();
  return signingByAccounts(async (owner) =>
    accounts.find((account) => account.address.toLowerCase() === owner.toLowerCase()),
  );
}

/** The rehearsal requirement for this plan on this network (see checkRehearsalGate). */
async function checkRehearsal(
  hre: HardhatRuntimeEnvironment,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  withoutRehearsal: boolean,
): Promise<string> {
  const { previewUpgrade } = await import("../src/evm/upgrade/upgrade-run");
  const { checkRehearsalGate } = await import("../src/evm/rehearsal/rehearsal-gate");
  return checkRehearsalGate({
    network: hre.network.name,
    developmentNetworks: hre.config.aegis.developmentNetworks,
    deploymentsDir: hre.config.aegis.deploymentsDir,
    planHash: previewUpgrade(input, deps).planHash,
    withoutRehearsal,
    warn: (line) => console.error(line),
  });
}

function withCrashPoints(render: (event: EngineEvent) => void): (event: EngineEvent) => void {
  const crash = crashPointListener();
  return crash === undefined ? render : (event) => (render(event), crash(event));
}

function printPreview(
  preview: PlanPreview,
  notices: readonly string[],
  print: (line: string) => void,
): void {
  print(
    `plan ${preview.planId} (${preview.planHash.slice(0, 12)}…): ${preview.steps.length} steps`,
  );
  for (const notice of notices) print(`  ! ${notice}`);
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

/** Where lines for people go: stderr with --json, so that stdout stays JSON. */
function peopleOut(json: boolean): NodeJS.WriteStream {
  return json ? process.stderr : process.stdout;
}

/** Shows the plan and asks once; with --json, everything for people goes to stderr. */
async function askToProceed(
  preview: PlanPreview,
  notices: readonly string[],
  yes: boolean,
  json: boolean,
): Promise<boolean> {
  const out = peopleOut(json);
  printPreview(preview, notices, (line) => out.write(`${line}\n`));
  return askYesNo("Send the first transaction?", { yes, command: "aegis:upgrade", out });
}

/** Shows what a rollback will undo and asks once. */
async function askToRollBack(
  runId: string,
  items: RollbackPreviewItem[],
  yes: boolean,
  json: boolean,
): Promise<boolean> {
  const out = peopleOut(json);
  const undo = items.filter((item) => item.action === "undo");
  out.write(`rollback of run ${runId}: ${undo.length} step(s) to undo, last first\n`);
  for (const item of items) {
    const mark = item.action === "undo" ? "↺" : "!";
    const what =
      item.action === "undo"
        ? (item.description ?? "")
        : `cannot be undone: ${item.description ?? ""}`;
    out.write(`  ${mark} ${item.shortId.padEnd(22)} ${what}\n`);
  }
  return askYesNo("Send the first rollback transaction?", { yes, command: "aegis:rollback", out });
}

/** Runs a body with Ctrl-C and SIGTERM turned into stop requests for the run it drives. */
async function withStopSignals<T>(stop: StopRequest, body: () => Promise<T>): Promise<T> {
  const restore = stopOnSignals(stop, (line) => console.error(line));
  try {
    return await body();
  } finally {
    restore();
  }
}

/** How long a run keeps watching its monitor window (--wait), or not at all (--no-wait). */
function waitPolicyOf(args: { wait?: string; noWait: boolean }) {
  if (args.noWait) return undefined;
  return { deadline: Date.now() + parseDuration(args.wait ?? "30m", "--wait"), pollMs: 1_000 };
}

/** The proxy as it is now; undefined when the node cannot say (the ending then says less). */
async function readTargetNow(input: UpgradePlanInput, deps: UpgradeRunDeps) {
  const { observeUpgradeTarget } = await import("../src/evm/upgrade/upgrade-target-check");
  return observeUpgradeTarget(input, deps).catch(() => undefined);
}

/** Prints how the command ended (reading the protocol's state from the chain) and sets the exit code. */
async function finish(
  result: UpgradeRunResult,
  input: UpgradePlanInput,
  deps: UpgradeRunDeps,
  command: "upgrade" | "rollback" | "abandon",
  network: string,
  json: boolean,
): Promise<void> {
  const { describeEnding } = await import("../src/evm/upgrade/upgrade-ending");
  const { toolkitPauseHolder } = await import("../src/evm/upgrade/upgrade-journal-facts");
  const now =
    result.status === "declined" || result.status === "dry-run"
      ? undefined
      : await readTargetNow(input, deps);
  const pausedByRun =
    result.status !== "declined" && toolkitPauseHolder([result.state]) === result.runId;
  const ending = describeEnding(result, input, { command, network, now, pausedByRun });
  for (const line of ending.errors) console.error(line);
  for (const line of ending.lines) (json ? console.error : console.log)(line);
  process.exitCode = ending.exitCode;
}

/**
 * The proxy a new run will act on, as early as it can be known (before the plan is built), so
 * that an unfinished run of it is found before anything is shown or asked.
 */
async function refuseIfUnfinished(hre: HardhatRuntimeEnvironment, chainId: number, proxy: string) {
  const { resolveRecord } = await import("../src/evm/upgrade/upgrade-inputs");
  const { assertNoUnfinishedRun } = await import("../src/evm/upgrade/upgrade-run");
  const { deploymentsDir } = hre.config.aegis;
  let address = proxy;
  try {
    address = resolveRecord(deploymentsDir, hre.network.name, proxy).record.proxy;
  } catch {
    // No record yet: the input checks below say why, with their own codes.
  }
  if (!address.startsWith("0x")) return;
  assertNoUnfinishedRun(
    path.join(deploymentsDir, hre.network.name),
    hre.network.name,
    chainId,
    address,
  );
}

/** After a rollback left the reinitializer's version behind: what it wrote, shown before the plan. */
async function showEarlierReinitializer(
  hre: HardhatRuntimeEnvironment,
  input: UpgradePlanInput,
  json: boolean,
): Promise<void> {
  const { earlierReinitializerWrites, formatReinitializerWrites } =
    await import("../src/evm/upgrade/reinitializer-history");
  const { readInitializableState } = await import("../src/evm/chain/initializable");
  const { targetKeyOf } = await import("../src/evm/upgrade/upgrade-target-key");
  const version = (await readInitializableState(hre.ethers.provider, input.proxy))
    .initializedVersion;
  const found = earlierReinitializerWrites(
    path.join(hre.config.aegis.deploymentsDir, hre.network.name),
    targetKeyOf(input.chainId, input.proxy),
  );
  peopleOut(json).write(
    `--call none: no reinitializer is called; the proxy stays at _initialized = ${version}, and ${input.to.contract} reads what the earlier reinitializer wrote: ${formatReinitializerWrites(found)}\n`,
  );
}

task("aegis:upgrade", "Runs the AEGIS upgrade checklist against a live proxy")
  .addOptionalParam(
    "proxy",
    "deployment record name or proxy address (default: aegis.upgrade.proxy)",
  )
  .addOptionalParam("to", "contract to upgrade to (default: aegis.upgrade.to)")
  .addOptionalParam(
    "call",
    "reinitializer call: 'fn(arg, ...)', or none to upgrade without one (default: aegis.upgrade.call)",
  )
  .addOptionalParam("resume", "resume the run with this id")
  .addOptionalParam("monitorBlocks", "blocks to watch after the upgrade", undefined, types.int)
  .addOptionalParam("wait", "how long to keep watching the monitor window (e.g. 90s, 10m)", "30m")
  .addFlag("noWait", "do not watch the monitor window: leave the run waiting (exit code 3)")
  .addFlag("dryRun", "send nothing: run the checks and say what each step would send")
  .addFlag("yes", "do not ask before the first transaction")
  .addFlag("json", "print engine events as JSON lines")
  .addFlag(
    "signLocally",
    "development networks only: the network's accounts that own the Safe sign its transactions, and the run executes them",
  )
  .addFlag(
    "noAutoRollback",
    "on a failure, leave the protocol as it is (paused) instead of rolling back",
  )
  .addFlag(
    "withoutRehearsal",
    "upgrade a live network without a passing rehearsal receipt (recorded in the report)",
  )
  .addFlag(NO_COMPILE_FLAG.name, NO_COMPILE_FLAG.description)
  .setAction(
    async (
      args: {
        proxy?: string;
        to?: string;
        call?: string;
        resume?: string;
        monitorBlocks?: number;
        wait?: string;
        noWait: boolean;
        dryRun: boolean;
        yes: boolean;
        json: boolean;
        signLocally: boolean;
        noAutoRollback: boolean;
        withoutRehearsal: boolean;
        noCompile: boolean;
      },
      hre,
    ) =>
      runTask(async () => {
        const settings = hre.config.aegis.upgrade;
        const stop = new StopRequest();
        const control = {
          stop,
          waitPolicy: waitPolicyOf(args),
          localSafeSigning: await localSafeSigningOf(hre, args.signLocally),
        };
        const connection = await connect(hre, args);
        const { chainId, signer } = connection;
        const { readPlanInput, resumeUpgrade, startUpgrade } =
          await import("../src/evm/upgrade/upgrade-run");
        if (args.resume !== undefined) {
          const runId = args.resume;
          const input = readPlanInput(connection.baseDir, runId);
          const deps = await runDeps(hre, connection, input, args.json, control);
          // The ending is printed before the signals get their default meaning back: a Ctrl-C
          // pressed as the run ends must not kill the process before it says where things stand.
          await withStopSignals(stop, async () =>
            finish(
              await resumeUpgrade(runId, input, deps),
              input,
              deps,
              "upgrade",
              hre.network.name,
              args.json,
            ),
          );
          return;
        }
        const proxy = args.proxy ?? settings.proxy;
        const to = args.to ?? settings.to;
        if (proxy === undefined) throw new MissingUpgradeSettingError("proxy");
        if (to === undefined) throw new MissingUpgradeSettingError("to");
        await refuseIfUnfinished(hre, chainId, proxy);
        const imported = await importFromManifest(hre, chainId, proxy);
        const call = args.call === undefined ? (settings.call ?? null) : parseCallOption(args.call);
        const { prepareUpgrade } = await import("../src/evm/upgrade/upgrade-inputs");
        const { readValidations } =
          await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
        const prepared = await prepareUpgrade(
          {
            proxy,
            to,
            call,
            // Without a call there is no reinitializer whose version could be checked.
            expectedInitializedVersion:
              call === null ? null : (settings.initializerVersion ?? null),
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
            preset: await loadPreset(hre, imported?.result.record ?? proxy, to),
            record: imported?.result,
            // A timelock the signer proposes to is driven by the run (schedule, wait, execute);
            // a Safe it owns gets the transaction to sign, and the run waits for its execution.
            runnableRoutes: new Set(["direct", "timelock", "safe"]),
          },
        );
        if (imported !== undefined) {
          const { describeManifestImport } = await import("../src/evm/upgrade/manifest-import");
          imported.write();
          peopleOut(args.json).write(`${describeManifestImport(imported)}\n`);
        }
        const { input } = prepared;
        const deps = await runDeps(hre, connection, input, args.json, control);
        deps.rehearsal = await checkRehearsal(hre, input, deps, args.withoutRehearsal);
        if (!args.json) {
          console.log(
            `AEGIS upgrade · ${input.recordName} ${input.proxy} · chain ${chainId} · ${input.from.contract} -> ${input.to.contract}`,
          );
        }
        if (args.call === "none") await showEarlierReinitializer(hre, input, args.json);
        await withStopSignals(stop, async () => {
          const result = await startUpgrade(input, deps, {
            dryRun: args.dryRun,
            autoRollback: !args.noAutoRollback,
            confirm: (preview) => askToProceed(preview, input.notices ?? [], args.yes, args.json),
          });
          await finish(result, input, deps, "upgrade", hre.network.name, args.json);
        });
      }),
  );

/** The run a rollback or an abandon is about: the one named, else the network's latest. */
async function chosenRun(baseDir: string, runId: string | undefined): Promise<string> {
  const { listRuns } = await import("../src/core/list-runs");
  return runId ?? listRuns(baseDir).at(-1)?.runId ?? "(none)";
}

task("aegis:rollback", "Rolls an upgrade run back: its steps' rollbacks, in reverse")
  .addOptionalParam("run", "the run's id (default: the latest run of this network)")
  .addFlag("yes", "do not ask before the first rollback transaction")
  .addFlag("json", "print engine events as JSON lines")
  .addFlag(
    "signLocally",
    "development networks only: the network's accounts that own the Safe sign its transactions, and the run executes them",
  )
  .addFlag(NO_COMPILE_FLAG.name, NO_COMPILE_FLAG.description)
  .setAction(
    async (
      args: { run?: string; yes: boolean; json: boolean; signLocally: boolean; noCompile: boolean },
      hre,
    ) =>
      runTask(async () => {
        const stop = new StopRequest();
        const connection = await connect(hre, args);
        const { readPlanInput, rollbackUpgrade } = await import("../src/evm/upgrade/upgrade-run");
        const runId = await chosenRun(connection.baseDir, args.run);
        const input = readPlanInput(connection.baseDir, runId);
        const deps = await runDeps(hre, connection, input, args.json, {
          stop,
          localSafeSigning: await localSafeSigningOf(hre, args.signLocally),
        });
        await withStopSignals(stop, async () => {
          const result = await rollbackUpgrade(runId, input, deps, (items) =>
            askToRollBack(runId, items, args.yes, args.json),
          );
          await finish(result, input, deps, "rollback", hre.network.name, args.json);
        });
      }),
  );

task("aegis:abandon", "Gives an unfinished run up after checking the chain, so a new run may start")
  .addParam("run", "the unfinished run's id (aegis:status lists them)")
  .addOptionalParam(
    "reason",
    "why it is given up (kept in its journal and report)",
    "given up by its operator",
  )
  .addFlag("yes", "do not ask before marking it abandoned")
  .addFlag("json", "print engine events as JSON lines")
  .addFlag(NO_COMPILE_FLAG.name, NO_COMPILE_FLAG.description)
  .setAction(
    async (
      args: { run: string; reason: string; yes: boolean; json: boolean; noCompile: boolean },
      hre,
    ) =>
      runTask(async () => {
        const connection = await connect(hre, args);
        const { readPlanInput, abandonUpgrade } = await import("../src/evm/upgrade/upgrade-run");
        const input = readPlanInput(connection.baseDir, args.run);
        const deps = await runDeps(hre, connection, input, args.json);
        const result = await abandonUpgrade(args.run, input, deps, {
          reason: args.reason,
          confirm: async (observed) => {
            const out = peopleOut(args.json);
            out.write(`run ${args.run} leaves the proxy ${input.proxy} like this:\n`);
            for (const [name, value] of Object.entries(observed))
              out.write(`  ${name.padEnd(22)} ${String(value)}\n`);
            out.write("Abandoned, it is never resumed or rolled back; nothing is sent.\n");
            return askYesNo("Mark it abandoned?", { yes: args.yes, command: "aegis:abandon", out });
          },
        });
        await finish(result, input, deps, "abandon", hre.network.name, args.json);
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
        if (!run.readable) {
          console.log(`${run.runId}  unreadable: ${run.error.code} ${run.error.message}`);
          continue;
        }
        // The plan's input names the proxy as checksummed; the lock key keeps it lower case.
        const proxy =
          (run.hashInput as { proxy?: string } | undefined)?.proxy ??
          run.targetKey.slice(run.targetKey.indexOf("-") + 1);
        const flag = run.inProgress ? "  [in progress]" : run.unfinished ? "  [UNFINISHED]" : "";
        console.log(
          `${run.runId}  ${hre.network.name} ${proxy}  ${run.stepsDone}/${run.stepsTotal} steps  ${run.standing}${flag}`,
        );
      }
      const unfinished = runs.filter((run) => run.readable && run.unfinished && !run.inProgress);
      for (const run of unfinished) {
        console.log(
          `run ${run.runId} is unfinished: resume it (npx hardhat aegis:upgrade --network ${hre.network.name} --resume ${run.runId}), roll it back (aegis:rollback --run ${run.runId}) or give it up (aegis:abandon --run ${run.runId})`,
        );
      }
    }),
  );
