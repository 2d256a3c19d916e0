/**
 * Turns what the user asked for (a proxy by name or address, a contract to upgrade to, a
 * reinitializer call) into the plan's input, refusing bad input before anything is written or
 * sent: an unreachable RPC, an EOA or non-proxy, an unknown contract, a chain that differs from
 * the record, a signer without upgrade rights, an unsafe layout, invariants already failing.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers, type Provider } from "ethers";
import type { StorageLayout, ValidationData } from "@openzeppelin/upgrades-core";
import { readProxyInfo } from "../chain/eip1967";
import { readInitializableState } from "../chain/initializable";
import {
  AlreadyReinitializedError,
  ChainIdMismatchError,
  IncompatibleUpgradeError,
  InvalidAddressError,
  InvariantAlreadyFailingError,
  RecordNotFoundError,
  RecordOutOfDateError,
  SafeVersionUnsupportedError,
  UnknownContractError,
} from "../errors";
import { KNOWN_SAFE_VERSIONS } from "../chain/authority-holder";
import { layoutOfBytecode, type ContractLayout } from "../storage/contract-layout";
import {
  deploymentRecordPath,
  readDeploymentRecord,
  type DeploymentRecord,
} from "../chain/deployment-record";
import { resolveAuthorityChain } from "../chain/authority-chain";
import {
  assertSignerCanAct,
  type AcceptedRoutes,
  type RouteKinds,
} from "../chain/authority-preflight";
import { authorityRouteOf, type AuthorityRoutes } from "../chain/authority-transaction";
import { checkUpgradeSafety } from "./upgrade-safety";
import { IMPLEMENTATION_PATH, INITIALIZED_PATH } from "./upgrade-storage-paths";
import type { UpgradePreset } from "./upgrade-preset";
import type { UpgradePlanInput } from "./plan-input";
import { targetKeyOf } from "./upgrade-target-key";
import { earlierReinitializerWrites, formatReinitializerWrites } from "./reinitializer-history";

/** Reads compiled contracts (Hardhat's artifacts satisfy it). */
export interface ArtifactSource {
  readArtifact(name: string): Promise<{ contractName: string; bytecode: string; abi: unknown[] }>;
  getAllFullyQualifiedNames(): Promise<string[]>;
}

/** What the user asked for. */
export interface UpgradeRequest {
  /** A deployment record's name or a proxy address. */
  proxy: string;
  /** The contract to upgrade to. */
  to: string;
  call: { fn: string; args: unknown[] } | null;
  expectedInitializedVersion: number | null;
  monitorBlocks: number;
  planId?: string;
}

/** The world the inputs are checked against. */
export interface UpgradeContext {
  provider: Provider;
  signerAddress: string;
  networkName: string;
  chainId: number;
  deploymentsDir: string;
  artifacts: ArtifactSource;
  validations: ValidationData;
  preset: UpgradePreset<unknown>;
  /**
   * The proxy's record when it is not on disk yet (an import aegis:upgrade performs, written
   * once these checks pass); otherwise it is looked up from `proxy`.
   */
  record?: { record: DeploymentRecord; recordPath: string };
  /**
   * The ways of exercising a right this run may take (default: the signer holds it itself);
   * the upgrade task adds "timelock". Any other is refused at preflight with AEGIS-E350.
   */
  runnableRoutes?: RouteKinds;
}

/** The checked inputs: the plan input and what its dependencies need. */
export interface PreparedUpgrade {
  input: UpgradePlanInput;
  record: DeploymentRecord;
  recordPath: string;
  toCreationBytecode: string;
  toLayout: ContractLayout;
  appended: string[];
}

/**
 * The Safe and timelock routes the plan takes, or undefined when the signer holds every right
 * itself (a Safe behind a timelock is a timelock route whose proposer is that Safe). A Safe of
 * unknown version is refused (AEGIS-E353).
 */
function routesOf(accepted: AcceptedRoutes): AuthorityRoutes | undefined {
  const routes: AuthorityRoutes = {};
  for (const right of ["upgrade", "pause", "unpause"] as const) {
    const route = accepted[right];
    if (route?.kind === "safe") {
      if (!route.safe.knownVersion) {
        throw new SafeVersionUnsupportedError(
          route.safe.address,
          route.safe.version,
          KNOWN_SAFE_VERSIONS.join(", "),
        );
      }
      routes[right] = authorityRouteOf(route);
      continue;
    }
    if (route?.kind !== "timelock") continue;
    if (route.proposer.kind === "safe" && !route.proposer.safe.knownVersion) {
      throw new SafeVersionUnsupportedError(
        route.proposer.safe.address,
        route.proposer.safe.version,
        KNOWN_SAFE_VERSIONS.join(", "),
      );
    }
    routes[right] = authorityRouteOf(route);
  }
  return Object.keys(routes).length === 0 ? undefined : routes;
}

/** Finds the record of a proxy given by name, or by address among the network's records. */
export function resolveRecord(
  deploymentsDir: string,
  networkName: string,
  proxy: string,
): { record: DeploymentRecord; recordPath: string } {
  if (!proxy.startsWith("0x")) {
    const recordPath = deploymentRecordPath(deploymentsDir, networkName, proxy);
    return { record: readDeploymentRecord(recordPath, networkName), recordPath };
  }
  if (!ethers.isAddress(proxy)) throw new InvalidAddressError("--proxy", proxy);
  const folder = path.join(deploymentsDir, networkName);
  const files = fs.existsSync(folder)
    ? fs.readdirSync(folder).filter((f) => f.endsWith(".json"))
    : [];
  for (const file of files) {
    const recordPath = path.join(folder, file);
    const record = readDeploymentRecord(recordPath, networkName);
    if (record.proxy.toLowerCase() === proxy.toLowerCase()) return { record, recordPath };
  }
  throw new RecordNotFoundError(
    path.join(folder, `<record of ${proxy}>.json`),
    networkName,
    ethers.getAddress(proxy),
  );
}

/** Close names of contracts in the build, for a did-you-mean hint. */
async function suggestContracts(artifacts: ArtifactSource, name: string): Promise<string[]> {
  const names = (await artifacts.getAllFullyQualifiedNames()).map(
    (fq) => fq.split(":")[1] as string,
  );
  const lower = name.toLowerCase();
  return [...new Set(names)]
    .filter(
      (candidate) =>
        candidate.toLowerCase().includes(lower.slice(0, 5)) ||
        lower.includes(candidate.toLowerCase()),
    )
    .slice(0, 5);
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** Checks every input and builds the plan input; throws a coded error on the first bad one. */
export async function prepareUpgrade(
  request: UpgradeRequest,
  context: UpgradeContext,
): Promise<PreparedUpgrade> {
  const { provider } = context;
  // A proxy given by address is checked on chain first: an EOA is an EOA, record or not.
  if (request.proxy.startsWith("0x")) {
    if (!ethers.isAddress(request.proxy)) throw new InvalidAddressError("--proxy", request.proxy);
    await readProxyInfo(provider, request.proxy);
  }
  const { record, recordPath } =
    context.record ?? resolveRecord(context.deploymentsDir, context.networkName, request.proxy);
  if (record.chainId !== context.chainId) {
    throw new ChainIdMismatchError(recordPath, record.chainId, context.chainId);
  }
  const artifact = await context.artifacts.readArtifact(request.to).catch(async () => {
    throw new UnknownContractError(
      request.to,
      await suggestContracts(context.artifacts, request.to),
    );
  });

  const block = await provider.getBlockNumber();
  const info = await readProxyInfo(provider, record.proxy, block);
  if (info.implementation !== record.current.implementation) {
    throw new RecordOutOfDateError(recordPath, record.current.implementation, info.implementation);
  }
  const proxyLabel = `${record.name} (${record.proxy})`;
  // The same resolution aegis:verify-admin prints: a missing right names its holders.
  const chain = await resolveAuthorityChain(
    provider,
    record.proxy,
    context.preset.pauses === false
      ? {}
      : { pauseData: context.preset.pauseData, unpauseData: context.preset.unpauseData },
    block,
  );
  const accepted = await assertSignerCanAct(
    provider,
    chain,
    context.signerAddress,
    proxyLabel,
    context.runnableRoutes,
  );
  const routes = routesOf(accepted);

  const safety = checkUpgradeSafety(
    context.validations,
    record.layout.storage as StorageLayout,
    artifact.bytecode,
    info.kind,
  );
  if (!safety.safe)
    throw new IncompatibleUpgradeError(record.current.contract, request.to, safety.problems);

  if (request.expectedInitializedVersion !== null) {
    const { initializedVersion } = await readInitializableState(provider, record.proxy, block);
    if (initializedVersion >= BigInt(request.expectedInitializedVersion)) {
      const earlier = earlierReinitializerWrites(
        path.join(context.deploymentsDir, context.networkName),
        targetKeyOf(context.chainId, record.proxy),
      );
      throw new AlreadyReinitializedError(
        record.proxy,
        Number(initializedVersion),
        request.expectedInitializedVersion,
        formatReinitializerWrites(earlier),
      );
    }
  }

  const state = await context.preset.readState(provider, record, block);
  const broken = context.preset.checkState(state).filter((result) => !result.holds);
  if (broken.length > 0) {
    throw new InvariantAlreadyFailingError(
      broken.map((result) => `${result.id} ${result.violation}`),
    );
  }

  const toInterface = new ethers.Interface(artifact.abi as ethers.InterfaceAbi);
  const call = request.call
    ? { ...request.call, data: toInterface.encodeFunctionData(request.call.fn, request.call.args) }
    : null;
  const input: UpgradePlanInput = {
    planId: request.planId ?? kebab(request.to),
    network: context.networkName,
    chainId: context.chainId,
    recordName: record.name,
    proxy: record.proxy,
    proxyKind: info.kind,
    proxyAdmin: chain.proxyAdmin ?? ethers.ZeroAddress,
    authority:
      (routes?.upgrade?.kind === "timelock" ? routes.upgrade.timelock : routes?.upgrade?.safe) ??
      (chain.upgrade.guard.kind === "owner"
        ? chain.upgrade.guard.owner
        : ethers.getAddress(context.signerAddress)),
    from: {
      contract: record.current.contract,
      implementation: info.implementation,
      bytecodeHash: ethers.keccak256(await provider.getCode(info.implementation, block)),
    },
    to: {
      contract: artifact.contractName,
      creationBytecodeHash: ethers.keccak256(artifact.bytecode),
    },
    call,
    expectedInitializedVersion: request.expectedInitializedVersion,
    // What an upgrade may legitimately write: the implementation slot, the initializer
    // version, and the variables the new version appends (set by its reinitializer).
    expectedStorageChanges: [IMPLEMENTATION_PATH, INITIALIZED_PATH, ...safety.appended],
    monitorBlocks: request.monitorBlocks,
  };
  // Only present when they say something, so that the plans of the reference protocol (and
  // their hashes) are what they were.
  if (context.preset.pauses === false) input.pauses = false;
  const notices = [...(context.preset.notices ?? [])];
  const forced = record.imported;
  if (forced?.warning !== undefined && forced.implementation === info.implementation) {
    notices.push(`FORCED IMPORT: ${forced.warning}`);
  }
  if (notices.length > 0) input.notices = notices;
  if (routes !== undefined) input.routes = routes;
  return {
    input,
    record,
    recordPath,
    toCreationBytecode: artifact.bytecode,
    toLayout: layoutOfBytecode(context.validations, artifact.contractName, artifact.bytecode),
    appended: safety.appended,
  };
}
