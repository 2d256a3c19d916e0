import fs from "node:fs";
import path from "node:path";
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
import { renderLayoutMarkdown } from "../src/evm/layout/layout-markdown";
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
  .setAction(async (args: LayoutArgs, hre) =>
    runTask(async () => {
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
      const report = assembleLayoutReport(reports);
      const json = `${JSON.stringify(report, null, 2)}\n`;
      const markdown = renderLayoutMarkdown(report);
      if (args.out !== undefined) {
        fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
        fs.writeFileSync(`${args.out}.json`, json);
        fs.writeFileSync(`${args.out}.md`, markdown);
      }
      console.log(args.json ? json : markdown);
      if (!report.pass) process.exitCode = 1;
    }),
  );
