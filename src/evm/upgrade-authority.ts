/** Who may upgrade a proxy, checked before anything is sent. */
import { ethers, type Provider } from "ethers";
import { SignerCannotUpgradeError, UnsupportedProxyKindError } from "./errors";
import type { ProxyInfo } from "./eip1967";

const OWNABLE_ABI = ["function owner() view returns (address)"];

/** The authority over a transparent proxy: its ProxyAdmin and the admin's owner. */
export interface UpgradeAuthority {
  proxyAdmin: string;
  owner: string;
}

/** Reads the ProxyAdmin's owner of a transparent proxy (AEGIS-E314 for other kinds). */
export async function readUpgradeAuthority(
  provider: Provider,
  info: ProxyInfo,
  blockTag?: number,
): Promise<UpgradeAuthority> {
  if (info.kind !== "transparent") throw new UnsupportedProxyKindError(info.proxy, info.kind);
  const admin = new ethers.Contract(info.admin, OWNABLE_ABI, provider);
  const owner = (await admin.getFunction("owner").staticCall({ blockTag })) as string;
  return { proxyAdmin: info.admin, owner: ethers.getAddress(owner) };
}

/** Throws AEGIS-E304 unless `signer` owns the proxy's ProxyAdmin. */
export function assertSignerCanUpgrade(
  signer: string,
  proxyLabel: string,
  authority: UpgradeAuthority,
): void {
  if (ethers.getAddress(signer) !== authority.owner) {
    throw new SignerCannotUpgradeError(signer, proxyLabel, authority.proxyAdmin, authority.owner);
  }
}
