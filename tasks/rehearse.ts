import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";
import { ethers } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { MissingUpgradeSettingError, UnknownForkEngineError } from "../src/evm/errors";
import type { InProcessForkFactory } from "../src/evm/rehearsal/fork";
import { writeRunReports } from "../src/report/write-run-reports";
import { createRunRenderer } from "./render-run";
import { runTask } from "./run-task";
import { NO_COMPILE_FLAG, compileFirst } from "./compile-first";
import { freeLocalPort } from "../src/evm/chain/free-port";
import { importFromManifest, loadPreset, presetSnapshotter } from "./upgrade-support";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import "./aegis-config";

/** The in-process Hardhat network (EDR), forking a URL at a block, built from this config. */
function inProcessForkFactory(hre: HardhatRuntimeEnvironment): InProcessForkFactory {
  return async (forked, forkBlock, chainId) => {
    // Hardhat 2 has no public way to build a second in-process network beside the selected
    // one; its provider factory is internal but stable across 2.x.
    const { createProvider } = await import("hardhat/internal/core/providers/construction");
    const hardhat = hre.config.networks.hardhat;
    const config = {
      ...hre.config,
      networks: {
        ...hre.config.networks,
        hardhat: {
          ...hardhat,
          chainId,
          forking: {
            enabled: true,
            url: forked.url,
            blockNumber: forkBlock,
            httpHeaders: forked.headers,
          },
        },
      },
    };
    return (await createProvider(config, "hardhat", hre.artifacts)) as never;
  };
}

/** The selected (live) network's chain id, once it answers (AEGIS-E300 when it does not). */
async function liveChainId(hre: HardhatRuntimeEnvironment): Promise<number> {
  const url = (hre.network.config as HttpNetworkConfig).url ?? "in-process";
  return assertRpcReachable(hre.network.provider, hre.network.name, url);
}

task("aegis:rehearse", "Rehearses the upgrade on a fork, forward and back, and writes a receipt")
  .addParam("forkUrl", "JSON-RPC URL of the chain to fork (the live chain)")
  .addOptionalParam("forkBlock", "block to fork at (default: its latest)", undefined, types.int)
  .addOptionalParam("engine", "hardhat (in-process) or anvil", "hardhat")
  .addOptionalParam(
    "proxy",
    "deployment record name or proxy address (default: aegis.upgrade.proxy)",
  )
  .addOptionalParam("to", "contract to upgrade to (default: aegis.upgrade.to)")
  .addFlag("json", "print engine events as JSON lines")
  .addFlag(NO_COMPILE_FLAG.name, NO_COMPILE_FLAG.description)
  .setAction(
    async (
      args: {
        forkUrl: string;
        forkBlock?: number;
        engine: string;
        proxy?: string;
        to?: string;
        json: boolean;
        noCompile: boolean;
      },
      hre,
    ) =>
      runTask(async () => {
        if (args.engine !== "hardhat" && args.engine !== "anvil")
          throw new UnknownForkEngineError(args.engine);
        const settings = hre.config.aegis.upgrade;
        const proxy = args.proxy ?? settings.proxy;
        const to = args.to ?? settings.to;
        if (proxy === undefined) throw new MissingUpgradeSettingError("proxy");
        if (to === undefined) throw new MissingUpgradeSettingError("to");
        await compileFirst(hre, args);
        const { startFork } = await import("../src/evm/rehearsal/fork");
        const { rehearseUpgrade } = await import("../src/evm/rehearsal/rehearsal");
        const { readValidations } =
          await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
        const imported = ethers.isAddress(proxy)
          ? await importFromManifest(hre, await liveChainId(hre), proxy)
          : undefined;
        // The live chain is only read from, and only through the fork (the import above reads
        // the selected network, as aegis:upgrade's does); startFork says first whether the fork
        // URL answers (AEGIS-E339).
        const fork = await startFork({
          engine: args.engine,
          forkUrl: args.forkUrl,
          forkBlock: args.forkBlock,
          inProcess: inProcessForkFactory(hre),
          anvilPort: await freeLocalPort(),
        });
        try {
          const preset = await loadPreset(hre, imported?.result.record ?? proxy, to);
          const [liveSigner] = await hre.ethers.getSigners();
          const result = await rehearseUpgrade({
            fork,
            // Its way to the upgrade right (a Safe, a timelock) is rehearsed as the live run takes it.
            ...(liveSigner === undefined ? {} : { signerAddress: liveSigner.address }),
            forkUrl: args.forkUrl,
            liveNetwork: hre.network.name,
            deploymentsDir: hre.config.aegis.deploymentsDir,
            record: imported?.result,
            request: {
              proxy,
              to,
              call: settings.call === undefined ? null : settings.call,
              expectedInitializedVersion: settings.initializerVersion ?? null,
              monitorBlocks: settings.monitorBlocks ?? 1,
            },
            artifacts: hre.artifacts,
            validations: await readValidations(hre),
            preset,
            writeReports: writeRunReports,
            makeSnapshotter: (input, record, toLayout) =>
              presetSnapshotter({
                preset,
                endpoint: fork.endpoint,
                input,
                fromLayout: record.layout.storage as StorageLayout,
                toLayout: toLayout.storage,
                deployedAtBlock: record.deployedAt.block,
              }),
            onEvent: createRunRenderer(args.json, (line) => console.log(line)),
          });
          if (imported !== undefined) {
            // Written as aegis:upgrade writes it, once the checks passed (the rehearsal ran to a
            // receipt): a local file, the one aegis:import would write, and nothing sent to the
            // live chain. The receipt's plan was built from this record, so the later
            // aegis:upgrade finds the same record and the same plan the rehearsal proved.
            const { describeManifestImport } = await import("../src/evm/upgrade/manifest-import");
            imported.write();
            (args.json ? process.stderr : process.stdout).write(
              `${describeManifestImport(imported)}\n`,
            );
          }
          const { receipt } = result;
          console.log(
            `Rehearsal on the ${receipt.engine} fork of chain ${receipt.chainId} at block ${receipt.forkBlock}: forward ${receipt.forward.status}, back ${receipt.back?.status ?? "not run"}`,
          );
          for (const verdict of receipt.back?.verdicts ?? []) {
            console.log(
              `  ${verdict.verdict === "go" ? "✔" : "✖"} ${verdict.step.padEnd(24)} ${verdict.message ?? ""}`,
            );
          }
          console.log(
            `${receipt.passed ? "PASSED" : "FAILED"} plan ${receipt.planHash.slice(0, 12)}…; receipt: ${result.receiptFile}`,
          );
          if (!receipt.passed) {
            const failure =
              result.forward.status !== "declined" ? result.forward.failure : undefined;
            if (failure)
              console.error(
                `${failure.error.code} ${failure.error.message} (at ${failure.step})\n  hint: ${failure.error.hint}`,
              );
            process.exitCode = 1;
          }
        } finally {
          await fork.stop();
        }
      }),
  );
