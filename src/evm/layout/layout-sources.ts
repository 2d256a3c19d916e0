/**
 * Where the layouts of a layout report come from. The current implementation of a live proxy is
 * described by the project's deployment record, else by OpenZeppelin's manifest; a contract of the
 * build by its build info; an earlier release by a reference build-info file. Every version says
 * which source was used. Where a version's source is at hand (a contract of the build, a reference
 * build), its ERC-7201 annotations are checked against the formula; a live version known from a
 * record or the manifest keeps no source to check.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import {
  Manifest,
  concatRunData,
  getStorageLayout,
  getStorageLayoutForAddress,
  getVersion,
  makeNamespacedInput,
  solcInputOutputDecoder,
  trySanitizeNatSpec,
  validate,
  type EthereumProvider,
  type SolcOutput,
  type StorageLayout,
  type ValidationData,
} from "@openzeppelin/upgrades-core";
import { readBuiltContract, type ArtifactReader } from "./build-layouts";
import { deploymentRecordPath, readDeploymentRecord } from "../chain/deployment-record";
import { readProxyInfo } from "../chain/eip1967";
import { InvalidAddressError, UnknownContractError } from "../errors";
import {
  AbstractContractError,
  LayoutInputError,
  LiveLayoutUnknownError,
  NoStorageLayoutOutputError,
} from "../layout-errors";
import type { LayoutSource, TargetInput, VersionInput } from "./layout-report";
import { findNamespaceDeclarations, type AstSources } from "./namespaces";
import { findRawStorageAccesses, type BuildInfoSources } from "./raw-storage";
import type { StorageReader } from "../storage/storage-reader";

/** The build and the chain, as the layout sources need them (Hardhat's hre provides all). */
export interface LayoutSourceContext {
  networkName: string;
  deploymentsDir: string;
  artifacts: ArtifactReader & {
    getBuildInfo(
      fullyQualifiedName: string,
    ): Promise<{ input: unknown; output: unknown } | undefined>;
  };
  /** OpenZeppelin's validations of the build (its cache of every contract's layout). */
  validations: ValidationData;
  /** Reads proxies' EIP-1967 slots. */
  provider: ethers.Provider;
  /** The raw provider OpenZeppelin's manifest is looked up with. */
  eip1193: EthereumProvider;
}

/** What the user asked to compare. */
export interface LayoutRequest {
  /** Deployment names or proxy addresses; empty when two contracts are compared. */
  proxies: string[];
  /** The new implementation's contract name, one per proxy (or one for --old). */
  newContracts: string[];
  /** The current implementation's contract name, instead of proxies. */
  old?: string;
  /** A build-info file that holds `old` (an earlier release). */
  referenceBuild?: string;
}

/** A version with the source of its layout. */
export type SourcedVersion = VersionInput & { source: LayoutSource };

/** Checks the request's shape; throws AEGIS-E328 with what is wrong. */
export function checkLayoutRequest(request: LayoutRequest): void {
  const { proxies, newContracts, old } = request;
  if (newContracts.length === 0) throw new LayoutInputError("--new is missing");
  if (request.referenceBuild !== undefined && old === undefined) {
    throw new LayoutInputError("--reference-build needs --old: the contract it holds");
  }
  if (proxies.length > 0 && old !== undefined) {
    throw new LayoutInputError("give either --proxy or --old, not both");
  }
  if (proxies.length === 0 && old === undefined) {
    throw new LayoutInputError("nothing to compare the new implementation with");
  }
  if (proxies.length > 0 && proxies.length !== newContracts.length) {
    throw new LayoutInputError(
      `${proxies.length} proxies but ${newContracts.length} new contracts`,
    );
  }
  if (proxies.length === 0 && newContracts.length !== 1) {
    throw new LayoutInputError(`--old compares with one new contract, not ${newContracts.length}`);
  }
}

/**
 * The targets of a report. Proxies are read live (with `live.reader` at `live.blockNumber`).
 * A namespace annotation that does not give its slot constant is not refused here: the report
 * names it (LAYOUT-009) beside everything else it finds.
 */
export async function resolveLayoutTargets(
  context: LayoutSourceContext,
  request: LayoutRequest,
  live?: { reader: StorageReader; blockNumber: number },
): Promise<TargetInput[]> {
  checkLayoutRequest(request);
  const targets: TargetInput[] = [];
  if (request.proxies.length > 0) {
    if (live === undefined) throw new LayoutInputError("proxies need a chain to read");
    for (const [index, proxyArg] of request.proxies.entries()) {
      const current = await liveVersion(context, proxyArg);
      targets.push({
        name: proxyArg,
        proxy: current.proxy,
        proxyKind: current.proxyKind,
        current: current.version,
        updated: await builtVersion(context, request.newContracts[index]!),
        live: { reader: live.reader, address: current.proxy, blockNumber: live.blockNumber },
      });
    }
  } else {
    const old = request.old!;
    const current: SourcedVersion =
      request.referenceBuild !== undefined
        ? {
            ...(await referenceBuildVersion(request.referenceBuild, old)),
            source: "reference-build",
          }
        : { ...(await builtVersion(context, old)), source: "build-info" };
    targets.push({
      name: `${old} -> ${request.newContracts[0]}`,
      current,
      updated: await builtVersion(context, request.newContracts[0]!),
    });
  }
  return targets;
}

/** A contract of the project's build: layout, ABI and namespace declarations. */
export async function builtVersion(
  context: LayoutSourceContext,
  name: string,
): Promise<VersionInput> {
  const built = await readBuiltContract(context.artifacts, context.validations, name);
  const buildInfo = await context.artifacts.getBuildInfo(`${built.sourceName}:${built.name}`);
  return {
    contract: built.name,
    layout: built.layout,
    abi: built.abi,
    namespaceDeclarations: buildInfo
      ? findNamespaceDeclarations(buildInfo.output as AstSources, built.name)
      : [],
    ...(buildInfo
      ? { rawAccesses: findRawStorageAccesses(buildInfo as BuildInfoSources, built.name) }
      : {}),
  };
}

/** A live proxy's current version, and how the proxy is upgraded. */
export interface LiveVersion {
  proxy: string;
  proxyKind: "transparent" | "uups";
  version: SourcedVersion;
}

/**
 * The live implementation behind a proxy given by deployment name or address: from the project's
 * record when one names it, else from OpenZeppelin's manifest (AEGIS-E329 when neither knows it).
 */
export async function liveVersion(
  context: LayoutSourceContext,
  proxyArg: string,
): Promise<LiveVersion> {
  const { networkName, deploymentsDir, provider } = context;
  if (!proxyArg.startsWith("0x")) {
    const record = readDeploymentRecord(
      deploymentRecordPath(deploymentsDir, networkName, proxyArg),
      networkName,
    );
    const info = await readProxyInfo(provider, record.proxy);
    return { ...(await fromRecord(context, record)), proxyKind: info.kind };
  }
  if (!ethers.isAddress(proxyArg)) throw new InvalidAddressError("--proxy", proxyArg);
  const proxy = ethers.getAddress(proxyArg);
  // Checked first: an EOA or a plain contract is refused whatever the records say.
  const info = await readProxyInfo(provider, proxy);
  const dir = path.join(deploymentsDir, networkName);
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!file.endsWith(".json")) continue;
    let record: ReturnType<typeof readDeploymentRecord>;
    try {
      record = readDeploymentRecord(path.join(dir, file), networkName);
    } catch {
      continue; // Not a deployment record (journals and reports live here too).
    }
    if (record.proxy === proxy)
      return { ...(await fromRecord(context, record)), proxyKind: info.kind };
  }
  let layout: StorageLayout;
  let manifest: Manifest;
  try {
    manifest = await Manifest.forNetwork(context.eip1193);
    layout = await getStorageLayoutForAddress(manifest, context.validations, info.implementation);
  } catch {
    throw new LiveLayoutUnknownError(proxy, [`${dir}/*.json`, "OpenZeppelin's manifest"]);
  }
  // The manifest keeps a layout but no ABI: the build's contract whose creation code has the
  // manifest's version hash is the one that was deployed, and gives it.
  const built = await builtContractOfManifest(context, manifest, info.implementation);
  return {
    proxy,
    proxyKind: info.kind,
    version: {
      contract: built?.name ?? `implementation ${info.implementation}`,
      layout,
      source: "openzeppelin-manifest",
      ...(built
        ? { abi: built.abi }
        : {
            caveats: [
              `ABI changes are not compared: OpenZeppelin's manifest keeps no ABI for the ` +
                `implementation ${info.implementation}, and no contract of this build has its code`,
            ],
          }),
    },
  };
}

/** The contract of the build that OpenZeppelin's manifest says was deployed at `implementation`. */
async function builtContractOfManifest(
  context: LayoutSourceContext,
  manifest: Manifest,
  implementation: string,
): Promise<{ name: string; abi: unknown[] } | undefined> {
  const wanted = implementation.toLowerCase();
  const data = await manifest.read();
  const key = Object.entries(data.impls).find(([, entry]) =>
    [entry?.address, ...(entry?.allAddresses ?? [])].some(
      (address) => address?.toLowerCase() === wanted,
    ),
  )?.[0];
  if (key === undefined) return undefined;
  for (const name of await context.artifacts.getAllFullyQualifiedNames()) {
    const artifact = await context.artifacts.readArtifact(name);
    if (artifact.bytecode === "0x" || artifact.bytecode === "") continue;
    if (getVersion(artifact.bytecode).linkedWithoutMetadata === key) {
      return { name: artifact.contractName, abi: artifact.abi };
    }
  }
  return undefined;
}

async function fromRecord(
  context: LayoutSourceContext,
  record: ReturnType<typeof readDeploymentRecord>,
): Promise<{ proxy: string; version: SourcedVersion }> {
  // The ABI of the live contract is the build's, when the build still has it.
  const abi = await context.artifacts
    .readArtifact(record.current.contract)
    .then((artifact) => artifact.abi)
    .catch(() => undefined);
  return {
    proxy: record.proxy,
    version: {
      contract: record.current.contract,
      layout: record.layout.storage as StorageLayout,
      source: "project-record",
      ...(abi !== undefined
        ? { abi }
        : {
            caveats: [
              `ABI changes are not compared: the record's contract ${record.current.contract} ` +
                "is no longer in this build (the record keeps its layout, not its ABI)",
            ],
          }),
    },
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

/** The solc version this project compiles with offline (the npm `solc` package, pinned). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const INSTALLED_SOLC: string = require("solc/package.json").version;

/**
 * `contract` as compiled in a build-info file of another build (an earlier release). A build's
 * own output gives no slots for ERC-7201 namespaced items; OpenZeppelin's plugin gets them by
 * compiling a namespaced variant of the sources (functions stripped, under a second), and so does
 * this, with the installed compiler when the build used the same version. Otherwise, or when the
 * variant does not compile, those items keep an unknown slot and the version says why in
 * `caveats`.
 */
export async function referenceBuildVersion(file: string, contract: string): Promise<VersionInput> {
  let build: BuildInfoFile;
  try {
    build = JSON.parse(fs.readFileSync(file, "utf8")) as BuildInfoFile;
  } catch (error) {
    throw new LayoutInputError(`cannot read reference build ${file}: ${(error as Error).message}`);
  }
  if (build.output?.contracts === undefined) {
    throw new LayoutInputError(`${file} is not a build-info file`);
  }
  const entry = Object.values(build.output.contracts)
    .map((contracts) => contracts[contract])
    .find((found) => found !== undefined);
  if (entry === undefined) throw new UnknownContractError(contract, []);
  const bytecode = entry.evm?.bytecode?.object;
  if (entry.storageLayout !== undefined && bytecode === "") {
    throw new AbstractContractError(contract, file);
  }
  if (entry.storageLayout === undefined || !bytecode) {
    throw new NoStorageLayoutOutputError(file, contract);
  }
  const caveats: string[] = [];
  const unknownSlots =
    'slots of its ERC-7201 namespaced items are not known ("?"); OpenZeppelin\'s comparison ' +
    "still covers them";
  const usesNamespaces = Object.values(build.input.sources).some((source) =>
    source.content?.includes("@custom:storage-location"),
  );
  let namespacedOutput: SolcOutput | undefined;
  if (usesNamespaces && build.solcVersion === INSTALLED_SOLC) {
    const compiled = await compileNamespaced(build);
    if (typeof compiled === "string") {
      caveats.push(`its namespaced variant does not compile (${compiled}): ${unknownSlots}`);
    } else {
      namespacedOutput = compiled;
    }
  } else if (usesNamespaces) {
    caveats.push(
      `the reference build used solc ${build.solcVersion ?? "(unknown)"}, not the installed ` +
        `${INSTALLED_SOLC}: ${unknownSlots}`,
    );
  }
  const runData = validate(
    build.output,
    solcInputOutputDecoder(build.input, build.output),
    build.solcVersion,
    build.input,
    namespacedOutput,
  );
  const layout = getStorageLayout(
    concatRunData(runData),
    getVersion(`0x${bytecode.replace(/^0x/, "")}`),
  );
  return {
    contract,
    layout,
    abi: entry.abi,
    namespaceDeclarations: findNamespaceDeclarations(build.output as AstSources, contract),
    ...(caveats.length > 0 ? { caveats } : {}),
  };
}

/** The solc output of the build's namespaced variant, or its first compile error's first line. */
async function compileNamespaced(build: BuildInfoFile): Promise<SolcOutput | string> {
  const version = build.solcVersion!;
  // As OpenZeppelin's plugin does: strip to storage, then drop NatSpec the stripping orphaned.
  const input = await trySanitizeNatSpec(
    makeNamespacedInput(build.input, build.output, version),
    version,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const error = output.errors?.find((found) => found.severity === "error");
  return error === undefined ? output : error.formattedMessage.split("\n")[0]!;
}
