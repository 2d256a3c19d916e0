import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import { ethers } from "ethers";
import { MissingUpgradeSettingError } from "../src/evm/errors";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import { runTask } from "./run-task";
import { loadPreset } from "./upgrade-support";
import "./aegis-config";

task(
  "aegis:verify-admin",
  "Resolves a proxy's authority chain (ProxyAdmin or UUPS role, Safe, timelock, pause roles) and who can perform each step",
)
  .addOptionalParam(
    "proxy",
    "deployment record name or proxy address (default: aegis.upgrade.proxy)",
  )
  .addFlag("json", "print the chain and the steps as one JSON document")
  .setAction(async (args: { proxy?: string; json: boolean }, hre) =>
    runTask(async () => {
      const networkName = hre.network.name;
      const url = (hre.network.config as HttpNetworkConfig).url ?? "in-process";
      await assertRpcReachable(hre.network.provider, networkName, url);
      const proxy = args.proxy ?? hre.config.aegis.upgrade.proxy;
      if (proxy === undefined) throw new MissingUpgradeSettingError("proxy");
      const { verifyAdmin } = await import("../src/evm/upgrade/verify-admin");
      const { formatAuthorityReport } = await import("../src/evm/chain/authority-report");
      const [signer] = await hre.ethers.getSigners();
      const report = await verifyAdmin(proxy, {
        provider: hre.ethers.provider,
        deploymentsDir: hre.config.aegis.deploymentsDir,
        networkName,
        signerAddress: signer === undefined ? ethers.ZeroAddress : await signer.getAddress(),
        loadPreset: (record) => loadPreset(hre, record),
      });
      if (args.json) console.log(JSON.stringify(report, null, 2));
      else for (const line of formatAuthorityReport(report)) console.log(line);
    }),
  );
