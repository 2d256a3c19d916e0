/**
 * Adopts a proxy the toolkit did not deploy (one deployed with OpenZeppelin's `deployProxy`, by
 * a script, long ago): builds its deployment record from the chain and the project's build, so
 * that `aegis:upgrade` and its friends can take it from there. Nothing is sent; the only write
 * is the new record, and only when no record already says something about that proxy or name.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers, type Provider } from "ethers";
import {
  getVersion,
  Manifest,
  type EthereumProvider,
  type StorageLayout,
  type ValidationData,
} from "@openzeppelin/upgrades-core";
import {
  closestCandidates,
  sameRuntimeCode,
  sameRuntimeLength,
  type MaskedRange,
  type RuntimeCandidate,
} from "../chain/bytecode-identity";
import {
  deploymentRecordPath,
  readDeploymentRecord,
  writeDeploymentRecord,
  type DeploymentRecord,
  type ImportEntry,
} from "../chain/deployment-record";
import { surveyProxy, type ProxySurvey } from "../chain/proxy-survey";
import {
  ImplementationUnmatchedError,
  ImportConflictError,
  InvalidAddressError,
  InvalidRecordNameError,
  UnknownContractError,
  AmbiguousImplementationError,
} from "../errors";
import { hashLayout, layoutOfBytecode, type ContractLayout } from "../storage/contract-layout";

/** An artifact as Hardhat stores it (the fields the comparison needs). */
export interface ImportArtifact {
  contractName: string;
  sourceName: string;
  bytecode: string;
  deployedBytecode: string;
  deployedLinkReferences: Record<string, Record<string, Array<{ start: number; length: number }>>>;
}

/** What a build-info says of a contract's runtime code (Hardhat's BuildInfo satisfies it). */
export interface ImportBuildInfo {
  output: {
    contracts: Record<
      string,
      Record<
        string,
        {
          evm?: {
            deployedBytecode?: {
              immutableReferences?: Record<string, Array<{ start: number; length: number }>>;
            };
          };
        }
      >
    >;
  };
}

/** The project's build (Hardhat's `hre.artifacts` satisfies it). */
export interface ImportBuild {
  getAllFullyQualifiedNames(): Promise<string[]>;
  readArtifact(fullyQualifiedName: string): Promise<ImportArtifact>;
  getBuildInfo(fullyQualifiedName: string): Promise<ImportBuildInfo | undefined>;
}

/** What the user asked for. */
export interface ImportRequest {
  proxy: string;
  /** The record's name; default the implementation's contract name. */
  name?: string;
  /** The implementation's contract name, when the user knows it (or --force needs a layout). */
  contract?: string;
  /** Import an implementation that matches no artifact, with a warning kept in the record. */
  force: boolean;
}

/** The world the import reads. */
export interface ImportContext {
  provider: Provider;
  /** The raw provider OpenZeppelin's manifest is looked up with (dev chains key it by instance). */
  eip1193?: EthereumProvider;
  networkName: string;
  chainId: number;
  deploymentsDir: string;
  build: ImportBuild;
  validations: ValidationData;
}

/** How the import ended. */
export interface ImportResult {
  /** `written`: a new record; `identical`: a record already said exactly this, nothing written. */
  status: "written" | "identical";
  record: DeploymentRecord;
  recordPath: string;
  /** False when the node did not say when the proxy was deployed (see ProxySurvey). */
  deploymentFound: boolean;
}

const RECORD_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

/** The contracts of the build that have runtime code (no interfaces, abstract contracts). */
async function runtimeArtifacts(
  build: ImportBuild,
): Promise<Array<{ fqn: string; artifact: ImportArtifact }>> {
  const out: Array<{ fqn: string; artifact: ImportArtifact }> = [];
  for (const fqn of (await build.getAllFullyQualifiedNames()).sort()) {
    const artifact = await build.readArtifact(fqn);
    if (artifact.deployedBytecode.length > 2) out.push({ fqn, artifact });
  }
  return out;
}

function linkRanges(artifact: ImportArtifact): MaskedRange[] {
  return Object.values(artifact.deployedLinkReferences).flatMap((libraries) =>
    Object.values(libraries).flat(),
  );
}

async function immutableRanges(build: ImportBuild, fqn: string, artifact: ImportArtifact) {
  const info = await build.getBuildInfo(fqn);
  const references =
    info?.output.contracts[artifact.sourceName]?.[artifact.contractName]?.evm?.deployedBytecode
      ?.immutableReferences ?? {};
  return Object.values(references).flat();
}

/** One OpenZeppelin manifest entry of an implementation: its version key and layout. */
interface ManifestImplementation {
  key: string;
  layout: StorageLayout;
}

/**
 * The manifest's entry for an implementation address, if OpenZeppelin's plugin deployed it from
 * this project (`.openzeppelin/`, or the temp file of a development node's instance).
 */
async function manifestEntry(
  eip1193: EthereumProvider | undefined,
  implementation: string,
): Promise<ManifestImplementation | undefined> {
  if (eip1193 === undefined) return undefined;
  try {
    const data = await (await Manifest.forNetwork(eip1193)).read();
    const wanted = implementation.toLowerCase();
    for (const [key, entry] of Object.entries(data.impls)) {
      const addresses = [entry?.address, ...(entry?.allAddresses ?? [])];
      if (entry && addresses.some((address) => address?.toLowerCase() === wanted))
        return { key, layout: entry.layout };
    }
  } catch {
    // No manifest, or one this version cannot read: the build is the only source then.
  }
  return undefined;
}

/** What identifies the implementation, and its layout. */
interface Identity {
  contract: string;
  layout: ContractLayout;
  entry: Pick<ImportEntry, "identity" | "artifact" | "layoutSource" | "warning">;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

async function identify(
  survey: ProxySurvey,
  request: ImportRequest,
  context: ImportContext,
): Promise<Identity> {
  const all = await runtimeArtifacts(context.build);
  let candidates = all;
  if (request.contract !== undefined) {
    candidates = all.filter(
      ({ fqn, artifact }) => artifact.contractName === request.contract || fqn === request.contract,
    );
    if (candidates.length === 0) {
      const lower = request.contract.toLowerCase();
      const close = all
        .map(({ artifact }) => artifact.contractName)
        .filter((name) => name.toLowerCase().includes(lower.slice(0, 5)));
      throw new UnknownContractError(request.contract, [...new Set(close)].slice(0, 5));
    }
  }
  const implementation = survey.info.implementation;
  const deployed = survey.runtimeCode;
  const matches: Array<{ fqn: string; artifact: ImportArtifact }> = [];
  const scored: RuntimeCandidate[] = [];
  for (const { fqn, artifact } of candidates) {
    const masked = linkRanges(artifact);
    // Immutables never change a code's length: only codes as long as the deployed one are
    // worth the build-info read their positions need.
    if (sameRuntimeLength(deployed, artifact.deployedBytecode)) {
      masked.push(...(await immutableRanges(context.build, fqn, artifact)));
      if (sameRuntimeCode(deployed, artifact.deployedBytecode, masked)) {
        matches.push({ fqn, artifact });
        continue;
      }
    }
    scored.push({
      fullyQualifiedName: fqn,
      contractName: artifact.contractName,
      deployedBytecode: artifact.deployedBytecode,
      masked,
    });
  }
  const fromBuild = (found: { fqn: string; artifact: ImportArtifact }) =>
    layoutOfBytecode(context.validations, found.artifact.contractName, found.artifact.bytecode);

  if (matches.length > 1) {
    const names = matches.map(({ artifact }) => artifact.contractName);
    const unique = new Set(names).size === names.length;
    throw new AmbiguousImplementationError(
      implementation,
      unique ? names : matches.map(({ fqn }) => fqn),
    );
  }
  if (matches.length === 1) {
    const [found] = matches as [{ fqn: string; artifact: ImportArtifact }];
    return {
      contract: found.artifact.contractName,
      layout: fromBuild(found),
      entry: { identity: "bytecode", artifact: found.fqn, layoutSource: "build" },
    };
  }

  // The runtime code matches nothing: OpenZeppelin's manifest may still know which creation
  // code deployed it, by the hash it keys implementations with.
  const manifest = await manifestEntry(context.eip1193, implementation);
  if (manifest !== undefined) {
    const byVersion = candidates.find(
      ({ artifact }) => getVersion(artifact.bytecode).linkedWithoutMetadata === manifest.key,
    );
    if (byVersion !== undefined) {
      return {
        contract: byVersion.artifact.contractName,
        layout: fromBuild(byVersion),
        entry: { identity: "oz-manifest", artifact: byVersion.fqn, layoutSource: "build" },
      };
    }
  }

  const closest = closestCandidates(deployed, scored, 3).map(
    (score) =>
      `${score.contractName} (${percent(score.selectorsShared)} of selectors shared, ${percent(score.bytesAlike)} of bytes alike)`,
  );
  const compared =
    request.contract === undefined
      ? `none of the ${all.length} contracts of this build (immutables and metadata masked)`
      : `no build of ${request.contract} (immutables and metadata masked)`;
  if (!request.force) {
    throw new ImplementationUnmatchedError(survey.info.proxy, implementation, compared, closest);
  }
  const warning =
    `implementation ${implementation} matched ${compared.replace(/ \(.*\)$/, "")}` +
    (closest.length > 0 ? ` (closest: ${closest.join(", ")})` : "") +
    "; imported with --force, its storage layout is unverified";
  // Forced: the layout comes from what OpenZeppelin recorded when it deployed this very
  // address, else from the contract the user named.
  if (manifest !== undefined) {
    const layout = manifest.layout;
    const contract = request.contract ?? `unmatched-${implementation.slice(2, 10)}`;
    return {
      contract,
      layout: {
        contract,
        solcVersion: layout.solcVersion ?? "unknown",
        storageLayoutHash: hashLayout(layout),
        storage: layout,
      },
      entry: {
        identity: "forced",
        layoutSource: "oz-manifest",
        warning: `${warning} (layout from OpenZeppelin's manifest)`,
      },
    };
  }
  const named = request.contract === undefined ? undefined : candidates[0];
  if (named === undefined) {
    throw new ImplementationUnmatchedError(
      survey.info.proxy,
      implementation,
      compared,
      closest,
      true,
    );
  }
  return {
    contract: named.artifact.contractName,
    layout: fromBuild(named),
    entry: {
      identity: "forced",
      artifact: named.fqn,
      layoutSource: "build",
      warning: `${warning} (layout taken from ${named.artifact.contractName} of this build)`,
    },
  };
}

/** The fields two records of one proxy must agree on, named for a refusal. */
function differences(existing: DeploymentRecord, fresh: DeploymentRecord): string[] {
  const fields: Array<[string, unknown, unknown]> = [
    ["chainId", existing.chainId, fresh.chainId],
    ["proxy", existing.proxy, fresh.proxy],
    ["proxyKind", existing.proxyKind, fresh.proxyKind],
    ["proxyAdmin", existing.proxyAdmin, fresh.proxyAdmin],
    ["owner", existing.owner, fresh.owner],
    ["current.implementation", existing.current.implementation, fresh.current.implementation],
    ["current.contract", existing.current.contract, fresh.current.contract],
    ["current.bytecodeHash", existing.current.bytecodeHash, fresh.current.bytecodeHash],
    ["layout.storageLayoutHash", existing.layout.storageLayoutHash, fresh.layout.storageLayoutHash],
  ];
  return fields
    .filter(([, a, b]) => String(a).toLowerCase() !== String(b).toLowerCase())
    .map(([field, a, b]) => `${field}: the record says ${String(a)}, the chain ${String(b)}`);
}

/** The network's records, with their paths (a malformed one is AEGIS-E310). */
function existingRecords(deploymentsDir: string, networkName: string) {
  const folder = path.join(deploymentsDir, networkName);
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const recordPath = path.join(folder, file);
      return { recordPath, record: readDeploymentRecord(recordPath, networkName) };
    });
}

/**
 * Builds the record of the proxy at `request.proxy` without writing it, so that a caller with
 * more checks to make (aegis:upgrade importing from OpenZeppelin's manifest) writes it only once
 * they pass. A record of the same proxy or name that says the same is returned as `identical`;
 * one that differs is refused with AEGIS-E341 naming each difference. Bad input is refused
 * before anything is read: an address (E301), a record name (E343), no proxy (E305), an
 * unsupported proxy (E342), an implementation matching no build (E340) or several (E348).
 */
export async function prepareImport(
  request: ImportRequest,
  context: ImportContext,
): Promise<{ result: ImportResult; write(): void }> {
  if (!ethers.isAddress(request.proxy)) throw new InvalidAddressError("--proxy", request.proxy);
  if (request.name !== undefined && !RECORD_NAME.test(request.name)) {
    throw new InvalidRecordNameError(request.name);
  }
  const survey = await surveyProxy(context.provider, request.proxy);
  const identity = await identify(survey, request, context);
  const name = request.name ?? identity.contract;
  if (!RECORD_NAME.test(name)) throw new InvalidRecordNameError(name);
  const record: DeploymentRecord = {
    schemaVersion: 1,
    name,
    network: context.networkName,
    chainId: context.chainId,
    proxy: survey.info.proxy,
    proxyKind: survey.info.kind,
    proxyAdmin: survey.info.admin,
    owner: survey.owner,
    current: {
      contract: identity.contract,
      implementation: survey.info.implementation,
      bytecodeHash: survey.runtimeCodeHash,
      block: survey.deployedAt.block,
    },
    history: [],
    implementations: [],
    tokens: {},
    deployedAt: survey.deployedAt,
    layout: identity.layout,
    imported: {
      block: survey.block,
      implementation: survey.info.implementation,
      initializedVersion: survey.initializedVersion,
      ...identity.entry,
    },
  };
  const recordPath = deploymentRecordPath(context.deploymentsDir, context.networkName, name);
  const existing = existingRecords(context.deploymentsDir, context.networkName);
  const sameProxy = existing.find(
    (found) => found.record.proxy.toLowerCase() === record.proxy.toLowerCase(),
  );
  const sameName = existing.find(
    (found) => path.resolve(found.recordPath) === path.resolve(recordPath),
  );
  const clash = sameProxy ?? sameName;
  if (clash !== undefined) {
    const found = differences(clash.record, record);
    if (found.length > 0) throw new ImportConflictError(clash.recordPath, found);
    return {
      result: {
        status: "identical",
        record: clash.record,
        recordPath: clash.recordPath,
        deploymentFound: survey.deploymentFound,
      },
      write: () => {},
    };
  }
  return {
    result: { status: "written", record, recordPath, deploymentFound: survey.deploymentFound },
    write: () => writeDeploymentRecord(recordPath, record),
  };
}

/**
 * Builds the record of the proxy at `request.proxy` and writes it, unless a record of the same
 * proxy or name exists: identical, nothing is written (status `identical`); different, it is
 * refused with AEGIS-E341 (see prepareImport for the other refusals).
 */
export async function importProxy(
  request: ImportRequest,
  context: ImportContext,
): Promise<ImportResult> {
  const prepared = await prepareImport(request, context);
  prepared.write();
  return prepared.result;
}

/**
 * Whether OpenZeppelin's manifest of this network (`.openzeppelin/<network>.json`, or the temp
 * file of a development node's instance) lists `proxy`: its plugin deployed or imported it
 * from this project, so adopting it needs no decision of the user's.
 */
export async function manifestListsProxy(
  eip1193: EthereumProvider,
  proxy: string,
): Promise<boolean> {
  try {
    const data = await (await Manifest.forNetwork(eip1193)).read();
    const wanted = proxy.toLowerCase();
    return data.proxies.some((entry) => entry?.address?.toLowerCase() === wanted);
  } catch {
    // No manifest, or one this version cannot read: as if it did not list the proxy.
    return false;
  }
}
