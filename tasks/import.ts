import { ethers } from "ethers";
import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import { runTask } from "./run-task";
import { NO_COMPILE_FLAG, compileFirst } from "./compile-first";
import "./aegis-config";

task(
  "aegis:import",
  "Adopts a proxy deployed elsewhere: builds its deployment record from the chain and the build",
)
  .addParam("proxy", "the proxy's address (transparent or UUPS)")
  .addOptionalParam("name", "the record's name (default: the implementation's contract name)")
  .addOptionalParam(
    "contract",
    "the current implementation's contract name, when several could match or with --force",
  )
  .addFlag(
    "force",
    "import an implementation that matches no contract of the build (the record and every report carry a warning)",
  )
  .addFlag(NO_COMPILE_FLAG.name, NO_COMPILE_FLAG.description)
  .setAction(
    async (
      args: { proxy: string; name?: string; contract?: string; force: boolean; noCompile: boolean },
      hre,
    ) =>
      runTask(async () => {
        const networkName = hre.network.name;
        const url = (hre.network.config as HttpNetworkConfig).url ?? "in-process";
        const chainId = await assertRpcReachable(hre.network.provider, networkName, url);
        await compileFirst(hre, args);
        const { importProxy } = await import("../src/evm/upgrade/import-proxy");
        const { readValidations } =
          await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
        const result = await importProxy(args, {
          provider: hre.ethers.provider,
          eip1193: hre.network.provider,
          networkName,
          chainId,
          deploymentsDir: hre.config.aegis.deploymentsDir,
          build: hre.artifacts,
          validations: await readValidations(hre),
        });
        const { record, recordPath } = result;
        const imported = record.imported;
        if (result.status === "identical") {
          console.log(
            `already imported: ${recordPath} describes proxy ${record.proxy} exactly as the chain does; nothing written`,
          );
          return;
        }
        const authority =
          record.proxyKind === "uups"
            ? `UUPS, upgraded through the proxy itself${record.owner === ethers.ZeroAddress ? "" : ` (owner ${record.owner})`}`
            : `transparent, ProxyAdmin ${record.proxyAdmin} owned by ${record.owner}`;
        console.log(`imported ${record.name}: proxy ${record.proxy} (${authority})`);
        console.log(
          `  implementation ${record.current.implementation} is ${record.current.contract}` +
            (imported?.identity === "bytecode"
              ? " (runtime bytecode matches the build, immutables and metadata masked)"
              : imported?.identity === "oz-manifest"
                ? " (OpenZeppelin's manifest names its creation bytecode)"
                : ""),
        );
        console.log(
          `  initializer version ${imported?.initializedVersion ?? "?"}; storage layout ${record.layout.storageLayoutHash.slice(0, 12)}… from ${imported?.layoutSource === "oz-manifest" ? "OpenZeppelin's manifest" : "the build"}`,
        );
        if (imported?.warning !== undefined) console.error(`WARNING: ${imported.warning}`);
        if (!result.deploymentFound) {
          console.error(
            `WARNING: the node did not give the proxy's Upgraded events, so its deployment block is unknown; snapshots look for mapping keys in events from block ${record.deployedAt.block} on (edit deployedAt.block in the record to an earlier block)`,
          );
        }
        console.log(`record: ${recordPath}`);
        console.log(
          `next: npx hardhat aegis:upgrade --network ${networkName} --proxy ${record.name} --to <new contract> --dry-run`,
        );
      }),
  );
