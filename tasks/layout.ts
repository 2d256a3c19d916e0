import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import type { EthereumProvider } from "@openzeppelin/upgrades-core";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { assembleLayoutReport, buildTargetReport } from "../src/evm/layout/layout-report";
import {
  checkLayoutRequest,
  resolveLayoutTargets,
  type LayoutSourceContext,
} from "../src/evm/layout/layout-sources";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import { createStorageReader } from "../src/evm/storage/storage-reader";
import { emitLayoutReport } from "../src/evm/layout/layout-output";
import { EXIT_CODES } from "../src/core/exit-codes";
import { runTask } from "./run-task";
import "./aegis-config";

interface LayoutArgs {
  proxy?: string;
  old?: string;
  new?: string;
  referenceBuild?: string;
  json: boolean;
  out?: string;
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");

task("aegis:layout", "Storage-layout report of an upgrade, for auditors (Markdown and JSON)")
  .addOptionalParam("proxy", "comma-separated deployment names or proxy addresses")
  .addOptionalParam("old", "current implementation's contract name (instead of --proxy)")
  .addOptionalParam("new", "new implementation's contract name(s), one per proxy")
  .addOptionalParam("referenceBuild", "build-info JSON holding --old (an earlier release's build)")
  .addOptionalParam("out", "write <out>.md and <out>.json")
  .addFlag("json", "print the JSON report instead of Markdown")
  .setAction(async (args: LayoutArgs, hre) => {
    // Exit 2 whenever no report could be produced (bad input, unreachable RPC, missing build
    // output); once a report exists it is printed whole and the exit code is 0 or 1.
    let produced = false;
    await runTask(async () => {
      const request = {
        proxies: list(args.proxy),
        newContracts: list(args.new),
        old: args.old,
        referenceBuild: args.referenceBuild,
      };
      checkLayoutRequest(request);
      const context: LayoutSourceContext = {
        networkName: hre.network.name,
        deploymentsDir: hre.config.aegis.deploymentsDir,
        artifacts: hre.artifacts,
        validations: await readValidations(hre),
        provider: hre.ethers.provider,
        eip1193: hre.network.provider as unknown as EthereumProvider,
      };
      let live: Parameters<typeof resolveLayoutTargets>[2];
      if (request.proxies.length > 0) {
        const url = (hre.network.config as HttpNetworkConfig).url;
        await assertRpcReachable(hre.network.provider, hre.network.name, url ?? "in-process");
        const blockNumber = await hre.ethers.provider.getBlockNumber();
        live = { reader: createStorageReader(url ?? hre.network.provider), blockNumber };
      }
      const targets = await resolveLayoutTargets(context, request, live);
      const reports = [];
      for (const target of targets) reports.push(await buildTargetReport(target));
      const output = emitLayoutReport(assembleLayoutReport(reports), args);
      produced = true;
      process.stdout.write(output.stdout);
      process.exitCode = output.exitCode;
    });
    if (!produced) process.exitCode = EXIT_CODES.unusable;
  });
