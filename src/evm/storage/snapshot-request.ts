/**
 * What `aegis:snapshot` reads, from its command line: the proxy (a deployment record's, or an
 * address), the layout that decodes its storage (the record's, or a contract of the build named
 * by --contract), and the keys of its mappings: those of the record's upgrade preset (the keys
 * the checklist snapshots that proxy with), plus any given in a --keys file. Everything it reads
 * comes in through `deps`, so it is tested without Hardhat; the task only wires them.
 */
import { ethers, type Provider } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import type { DeploymentRecord } from "../chain/deployment-record";
import { readProxyInfo } from "../chain/eip1967";
import { InvalidAddressError, MissingUpgradeSettingError, NotAProxyError } from "../errors";
import { LiveLayoutUnknownError } from "../layout-errors";
import type { KeySource, MappingKeys, SnapshotKeys } from "./mapping-keys";

/** The task's options, as given. */
export interface SnapshotOptions {
  /** A deployment record's name or a proxy's address. */
  target: string;
  /** The contract whose layout decodes storage; default the record's. */
  contract?: string;
  /** The block to pin, as typed; default the latest. */
  block?: string;
  /** A JSON file: { mappingKeys?: {pattern: [keys]}, keySources?: [...] }. */
  keys?: string;
}

/** What resolving the options reads, injected by the task (or a test). */
export interface SnapshotRequestDeps {
  /** Reads code and EIP-1967 slots. */
  provider: Provider;
  /** The deployment record of `name` on the network (throws AEGIS-E309/E310). */
  readRecord(name: string): DeploymentRecord;
  /** A contract of the build by name, with its layout (throws AEGIS-E306/E321). */
  readContractLayout(name: string): Promise<{ name: string; layout: StorageLayout }>;
  /** The mapping keys of the record's upgrade preset (none when it has no snapshotKeys). */
  presetKeys(record: DeploymentRecord): Promise<SnapshotKeys | undefined>;
  /** The text of a --keys file. */
  readFile(path: string): string;
}

/** A resolved request: what takeSnapshot needs besides its endpoint. */
export interface SnapshotRequest {
  address: string;
  layout: StorageLayout;
  contract: string;
  blockNumber: number | undefined;
  keySources: KeySource[];
  mappingKeys: MappingKeys;
  /** Events revealing keys are read from here: the deployment block of a record, else 0. */
  fromBlock: number;
}

/**
 * The target of a snapshot: the one given, else the proxy the upgrade is configured for
 * (`aegis.upgrade.proxy`); throws AEGIS-E317 naming --target when there is neither.
 */
export function snapshotTarget(given: string | undefined, configured: string | undefined): string {
  const target = given ?? configured;
  if (target === undefined) throw new MissingUpgradeSettingError("proxy", "--target");
  return target;
}

/** The proxy, layout and keys that `options` name; throws the coded errors a user can meet. */
export async function resolveSnapshotRequest(
  options: SnapshotOptions,
  deps: SnapshotRequestDeps,
): Promise<SnapshotRequest> {
  const target = options.target.startsWith("0x")
    ? await addressTarget(options, deps)
    : await recordTarget(options.target, deps);
  const built =
    options.contract === undefined ? undefined : await deps.readContractLayout(options.contract);
  const layout = built?.layout ?? target.layout;
  const contract = built?.name ?? target.contract;
  if (layout === undefined || contract === undefined) {
    // Only an address without --contract gets here: no record names its layout.
    throw new LiveLayoutUnknownError(target.address, [
      "deployment records (an address names none: pass --contract <name>)",
    ]);
  }
  const keys = options.keys === undefined ? target.keys : withKeysFile(target.keys, options, deps);
  return {
    address: target.address,
    layout,
    contract,
    blockNumber: options.block === undefined ? undefined : Number(options.block),
    keySources: keys.keySources,
    mappingKeys: keys.mappingKeys,
    fromBlock: target.fromBlock,
  };
}

/** Where a target led: its address, and what its record says when it has one. */
interface ResolvedTarget {
  address: string;
  layout?: StorageLayout;
  contract?: string;
  keys: SnapshotKeys;
  fromBlock: number;
}

const noKeys = (): SnapshotKeys => ({ keySources: [], mappingKeys: {} });

/** An address: a contract (a proxy, unless --contract names the layout); no keys, no record. */
async function addressTarget(
  options: SnapshotOptions,
  deps: SnapshotRequestDeps,
): Promise<ResolvedTarget> {
  if (!ethers.isAddress(options.target)) {
    throw new InvalidAddressError("--target", options.target);
  }
  const address = ethers.getAddress(options.target);
  if ((await deps.provider.getCode(address)) === "0x") {
    throw new NotAProxyError(address, "it is an account without code (an EOA)");
  }
  if (options.contract === undefined) {
    // Without a contract name the only layout is the implementation's: it must be a proxy.
    await readProxyInfo(deps.provider, address);
  }
  return { address, keys: noKeys(), fromBlock: 0 };
}

/** A deployment record: its proxy, layout and deployment block, and its preset's keys. */
async function recordTarget(name: string, deps: SnapshotRequestDeps): Promise<ResolvedTarget> {
  const record = deps.readRecord(name);
  await readProxyInfo(deps.provider, record.proxy);
  const presetKeys = await deps.presetKeys(record);
  return {
    address: record.proxy,
    layout: record.layout.storage as StorageLayout,
    contract: record.current.contract,
    keys: presetKeys ?? noKeys(),
    fromBlock: record.deployedAt.block,
  };
}

/**
 * Adds a --keys file's keys: its key sources after the others, its mapping keys in place of
 * those given for the same pattern (a pattern's keys are replaced, not merged).
 */
function withKeysFile(
  keys: SnapshotKeys,
  options: SnapshotOptions,
  deps: SnapshotRequestDeps,
): SnapshotKeys {
  const extra = JSON.parse(deps.readFile(options.keys!)) as Partial<SnapshotKeys>;
  return {
    keySources: [...keys.keySources, ...(extra.keySources ?? [])],
    mappingKeys: { ...keys.mappingKeys, ...(extra.mappingKeys ?? {}) },
  };
}
