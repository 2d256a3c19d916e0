import fs from "node:fs";
import path from "node:path";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";
import { ethers } from "ethers";
import {
  Manifest,
  concatRunData,
  getStorageLayout,
  getStorageLayoutForAddress,
  getVersion,
  solcInputOutputDecoder,
  validate,
  type StorageLayout,
} from "@openzeppelin/upgrades-core";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { readBuiltContract, type BuiltContract } from "../src/evm/build-layouts";
import { deploymentRecordPath, readDeploymentRecord } from "../src/evm/deployment-record";
import { readProxyInfo } from "../src/evm/eip1967";
import { InvalidAddressError, UnknownContractError } from "../src/evm/errors";
import {
  LayoutInputError,
  LiveLayoutUnknownError,
  NamespaceSlotMismatchError,
  NoStorageLayoutOutputError,
} from "../src/evm/layout-errors";
import {
  assembleLayoutReport,
  buildTargetReport,
  type TargetInput,
  type VersionInput,
} from "../src/evm/layout-report";
import { findNamespaceDeclarations, type AstSources } from "../src/evm/namespaces";
import { assertRpcReachable } from "../src/evm/rpc";
import { createStorageReader } from "../src/evm/storage-reader";
import { renderLayoutMarkdown } from "../src/report/layout-markdown";
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
      const newNames = list(args.new);
      const proxies = list(args.proxy);
      if (newNames.length === 0) throw new LayoutInputError("--new is missing");
      if (proxies.length > 0 && args.old !== undefined) {
        throw new LayoutInputError("give either --proxy or --old, not both");
      }
      if (proxies.length === 0 && args.old === undefined) {
        throw new LayoutInputError("nothing to compare the new implementation with");
      }
      if (proxies.length > 0 && proxies.length !== newNames.length) {
        throw new LayoutInputError(
          `${proxies.length} proxies but ${newNames.length} new contracts`,
        );
      }
      const validations = await readValidations(hre);
      const versionOf = async (name: string): Promise<VersionInput> => {
        const built = await readBuiltContract(hre.artifacts, validations, name);
        return withDeclarations(hre, built);
      };

      const targets: TargetInput[] = [];
      if (proxies.length > 0) {
        const networkName = hre.network.name;
        const url = (hre.network.config as HttpNetworkConfig).url;
        await assertRpcReachable(hre.network.provider, networkName, url ?? "in-process");
        const reader = createStorageReader(url ?? hre.network.provider);
        const blockNumber = await hre.ethers.provider.getBlockNumber();
        for (const [index, proxyArg] of proxies.entries()) {
          const current = await liveLayout(hre, proxyArg, validations);
          const info = await readProxyInfo(hre.ethers.provider, current.proxy, blockNumber);
          targets.push({
            name: proxyArg,
            proxy: current.proxy,
            current: { ...current.version, source: current.source },
            updated: await versionOf(newNames[index]!),
            live: { reader, address: info.proxy, blockNumber },
          });
        }
      } else {
        const current: VersionInput & { source: "build-info" | "reference-build" } =
          args.referenceBuild !== undefined
            ? { ...fromReferenceBuild(args.referenceBuild, args.old!), source: "reference-build" }
            : { ...(await versionOf(args.old!)), source: "build-info" };
        targets.push({
          name: `${args.old} -> ${newNames[0]}`,
          current,
          updated: await versionOf(newNames[0]!),
        });
      }

      for (const target of targets) {
        const mismatch = target.updated.namespaceDeclarations?.find((d) => d.status === "mismatch");
        if (mismatch) {
          throw new NamespaceSlotMismatchError(
            mismatch.contract,
            mismatch.namespace,
            mismatch.computed,
            mismatch.constants.map((constant) => constant.value),
          );
        }
      }
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

async function withDeclarations(
  hre: HardhatRuntimeEnvironment,
  built: BuiltContract,
): Promise<VersionInput> {
  const buildInfo = await hre.artifacts.getBuildInfo(`${built.sourceName}:${built.name}`);
  return {
    contract: built.name,
    layout: built.layout,
    abi: built.abi,
    namespaceDeclarations: buildInfo
      ? findNamespaceDeclarations(buildInfo.output as unknown as AstSources, built.name)
      : [],
  };
}

async function liveLayout(
  hre: HardhatRuntimeEnvironment,
  proxyArg: string,
  validations: Awaited<ReturnType<typeof readValidations>>,
): Promise<{
  proxy: string;
  version: VersionInput;
  source: "project-record" | "openzeppelin-manifest";
}> {
  const networkName = hre.network.name;
  const deploymentsDir = hre.config.aegis.deploymentsDir;
  const lookedIn: string[] = [];
  let proxy: string;
  if (proxyArg.startsWith("0x")) {
    if (!ethers.isAddress(proxyArg)) throw new InvalidAddressError("--proxy", proxyArg);
    proxy = ethers.getAddress(proxyArg);
    // Checked first: an EOA or a plain contract is refused whatever the records say.
    await readProxyInfo(hre.ethers.provider, proxy);
    const dir = path.join(deploymentsDir, networkName);
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (!file.endsWith(".json")) continue;
      try {
        const record = readDeploymentRecord(path.join(dir, file), networkName);
        if (record.proxy === proxy) return fromRecord(hre, record);
      } catch {
        // Not a deployment record (journals and reports live here too).
      }
    }
    lookedIn.push(`${dir}/*.json`);
  } else {
    const record = readDeploymentRecord(
      deploymentRecordPath(deploymentsDir, networkName, proxyArg),
      networkName,
    );
    await readProxyInfo(hre.ethers.provider, record.proxy);
    return fromRecord(hre, record);
  }
  try {
    const info = await readProxyInfo(hre.ethers.provider, proxy);
    const manifest = await Manifest.forNetwork(hre.network.provider);
    const layout = await getStorageLayoutForAddress(manifest, validations, info.implementation);
    return {
      proxy,
      version: { contract: `implementation ${info.implementation}`, layout },
      source: "openzeppelin-manifest",
    };
  } catch {
    lookedIn.push("OpenZeppelin's manifest");
    throw new LiveLayoutUnknownError(proxy, lookedIn);
  }
}

async function fromRecord(
  hre: HardhatRuntimeEnvironment,
  record: ReturnType<typeof readDeploymentRecord>,
): Promise<{ proxy: string; version: VersionInput; source: "project-record" }> {
  // The ABI of the live contract is the build's, when the build still has it.
  const abi = await hre.artifacts
    .readArtifact(record.current.contract)
    .then((artifact) => artifact.abi as unknown[])
    .catch(() => undefined);
  return {
    proxy: record.proxy,
    version: {
      contract: record.current.contract,
      layout: record.layout.storage as StorageLayout,
      abi,
    },
    source: "project-record",
  };
}

interface BuildInfoFile {
  solcVersion?: string;
  input: Parameters<typeof solcInputOutputDecoder>[0];
  output: Parameters<typeof solcInputOutputDecoder>[1] & {
    contracts: Record<
      string,
      Record<
        string,
        { storageLayout?: unknown; abi?: unknown[]; evm?: { bytecode?: { object?: string } } }
      >
    >;
  };
}

function fromReferenceBuild(file: string, contract: string): VersionInput {
  let build: BuildInfoFile;
  try {
    build = JSON.parse(fs.readFileSync(file, "utf8")) as BuildInfoFile;
  } catch (error) {
    throw new LayoutInputError(`cannot read reference build ${file}: ${(error as Error).message}`);
  }
  if (build.output?.contracts === undefined)
    throw new LayoutInputError(`${file} is not a build-info file`);
  const entry = Object.values(build.output.contracts)
    .map((contracts) => contracts[contract])
    .find((found) => found !== undefined);
  if (entry === undefined) throw new UnknownContractError(contract, []);
  if (entry.storageLayout === undefined) throw new NoStorageLayoutOutputError(file, contract);
  const bytecode = entry.evm?.bytecode?.object;
  if (!bytecode) throw new NoStorageLayoutOutputError(file, contract);
  const runData = validate(
    build.output,
    solcInputOutputDecoder(build.input, build.output),
    build.solcVersion,
    build.input,
  );
  const layout = getStorageLayout(
    concatRunData(runData),
    getVersion(`0x${bytecode.replace(/^0x/, "")}`),
  );
  return {
    contract,
    layout,
    abi: entry.abi,
    namespaceDeclarations: findNamespaceDeclarations(
      build.output as unknown as AstSources,
      contract,
    ),
  };
}
