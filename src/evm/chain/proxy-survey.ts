/**
 * Everything the chain says about a proxy that the toolkit did not deploy, read at one pinned
 * block: its kind, implementation and admin (EIP-1967 slots), who holds the upgrade right, the
 * initializer version, the implementation's runtime code, and when the proxy was deployed.
 */
import { ethers, type Provider } from "ethers";
import { UnsupportedProxyError } from "../errors";
import { IMPLEMENTATION_SLOT, readProxyInfo, type ProxyInfo } from "./eip1967";
import { readInitializableState } from "./initializable";
import { readUpgradeAuthority } from "./upgrade-authority";

const UPGRADED_TOPIC = ethers.id("Upgraded(address)");
const probe = new ethers.Interface([
  "function owner() view returns (address)",
  "function proxiableUUID() view returns (bytes32)",
]);

/** What the chain says about a proxy at one block. */
export interface ProxySurvey {
  block: number;
  info: ProxyInfo;
  /** The ProxyAdmin's owner (transparent), the proxy's own `owner()` (UUPS) or the zero address. */
  owner: string;
  initializedVersion: number;
  /** The implementation's runtime bytecode and its keccak256. */
  runtimeCode: string;
  runtimeCodeHash: string;
  /** The block and time of the proxy's first `Upgraded` event: its deployment. */
  deployedAt: { block: number; timestamp: number };
  /** False when the node would not say (a refused log query): `deployedAt` is then `block`. */
  deploymentFound: boolean;
}

async function tryCall(
  provider: Provider,
  to: string,
  fn: "owner" | "proxiableUUID",
  blockTag: number,
): Promise<string | undefined> {
  try {
    const data = await provider.call({ to, data: probe.encodeFunctionData(fn), blockTag });
    return String(probe.decodeFunctionResult(fn, data)[0]);
  } catch {
    return undefined;
  }
}

/**
 * The proxy's deployment: its first `Upgraded` event (every EIP-1967 proxy emits one in its
 * constructor). A node that refuses so wide a log query gives the pinned block instead, so
 * that event scans start no earlier than they can.
 */
async function deploymentBlock(provider: Provider, proxy: string, block: number) {
  let first = block;
  let found = false;
  try {
    const logs = await provider.getLogs({
      address: proxy,
      topics: [UPGRADED_TOPIC],
      fromBlock: 0,
      toBlock: block,
    });
    if (logs.length > 0) {
      first = Math.min(...logs.map((log) => log.blockNumber));
      found = true;
    }
  } catch {
    // Kept at the pinned block (see above).
  }
  const header = await provider.getBlock(first);
  return { at: { block: first, timestamp: header?.timestamp ?? 0 }, found };
}

/**
 * Surveys the proxy at `proxy`; throws AEGIS-E305 for an account that is no EIP-1967 proxy and
 * AEGIS-E342 for a beacon proxy, a transparent proxy whose admin is not an Ownable ProxyAdmin,
 * or an admin-less proxy whose implementation is not UUPS (nothing could upgrade it).
 */
export async function surveyProxy(provider: Provider, proxy: string): Promise<ProxySurvey> {
  const block = await provider.getBlockNumber();
  const info = await readProxyInfo(provider, proxy, block);
  let owner: string;
  if (info.kind === "transparent") {
    try {
      const authority = await readUpgradeAuthority(provider, info, block);
      owner = authority.kind === "transparent" ? authority.owner : ethers.ZeroAddress;
    } catch {
      throw new UnsupportedProxyError(
        info.proxy,
        `its admin ${info.admin} is not an OpenZeppelin ProxyAdmin (it answers no owner())`,
      );
    }
  } else {
    const uuid = await tryCall(provider, info.implementation, "proxiableUUID", block);
    if (uuid?.toLowerCase() !== IMPLEMENTATION_SLOT) {
      throw new UnsupportedProxyError(
        info.proxy,
        `it has no admin and its implementation ${info.implementation} is not UUPS (no proxiableUUID()), so nothing can upgrade it`,
      );
    }
    const found = await tryCall(provider, info.proxy, "owner", block);
    owner = found === undefined ? ethers.ZeroAddress : ethers.getAddress(found);
  }
  const [initializable, runtimeCode, deployment] = await Promise.all([
    readInitializableState(provider, info.proxy, block),
    provider.getCode(info.implementation, block),
    deploymentBlock(provider, info.proxy, block),
  ]);
  return {
    block,
    info,
    owner,
    initializedVersion: Number(initializable.initializedVersion),
    runtimeCode,
    runtimeCodeHash: ethers.keccak256(runtimeCode),
    deployedAt: deployment.at,
    deploymentFound: deployment.found,
  };
}
