/**
 * Who may upgrade a proxy, checked before anything is sent. A transparent proxy is upgraded by
 * its ProxyAdmin, so the right is the admin's ownership. A UUPS proxy is upgraded through its
 * own `upgradeToAndCall`, guarded by whatever `_authorizeUpgrade` the implementation defines (a
 * role, an owner): the only faithful check is to simulate that call from the signer.
 */
import { ethers, type Provider } from "ethers";
import { SignerCannotUpgradeError, SignerLacksUpgradeRightError } from "../errors";
import type { ProxyInfo } from "./eip1967";

const OWNABLE_ABI = ["function owner() view returns (address)"];
/** A UUPS proxy's own upgrade function (OpenZeppelin v5's UUPSUpgradeable). */
export const UUPS_INTERFACE = new ethers.Interface([
  "function upgradeToAndCall(address newImplementation, bytes data) payable",
]);

/** Where the upgrade right of a proxy lives. */
export type UpgradeAuthority =
  { kind: "transparent"; proxyAdmin: string; owner: string } | { kind: "uups"; proxyAdmin: string };

/** Reads the authority: the ProxyAdmin's owner, or for UUPS, the proxy itself. */
export async function readUpgradeAuthority(
  provider: Provider,
  info: ProxyInfo,
  blockTag?: number,
): Promise<UpgradeAuthority> {
  if (info.kind === "uups") return { kind: "uups", proxyAdmin: ethers.ZeroAddress };
  const admin = new ethers.Contract(info.admin, OWNABLE_ABI, provider);
  const owner = (await admin.getFunction("owner").staticCall({ blockTag })) as string;
  return { kind: "transparent", proxyAdmin: info.admin, owner: ethers.getAddress(owner) };
}

/** Whether `signer` may upgrade: the admin's owner, or a UUPS upgrade the proxy would accept. */
export async function signerCanUpgrade(
  provider: Provider,
  info: ProxyInfo,
  authority: UpgradeAuthority,
  signer: string,
  blockTag?: number,
): Promise<{ allowed: boolean; reason: string }> {
  if (authority.kind === "transparent") {
    const allowed = ethers.getAddress(signer) === authority.owner;
    return {
      allowed,
      reason: allowed ? "owns the ProxyAdmin" : `the ProxyAdmin is owned by ${authority.owner}`,
    };
  }
  // Re-installing the current implementation is a no-op upgrade that runs _authorizeUpgrade and
  // the proxiable checks, and, as an eth_call, changes nothing.
  try {
    await provider.call({
      from: signer,
      to: info.proxy,
      data: UUPS_INTERFACE.encodeFunctionData("upgradeToAndCall", [info.implementation, "0x"]),
      blockTag,
    });
    return { allowed: true, reason: "passes the proxy's _authorizeUpgrade" };
  } catch (error) {
    const text = (error as { shortMessage?: string }).shortMessage ?? String(error);
    return { allowed: false, reason: `upgradeToAndCall refuses it: ${text.split("\n")[0]}` };
  }
}

/** Throws AEGIS-E304 unless `signer` may upgrade the proxy. */
export async function assertSignerCanUpgrade(
  provider: Provider,
  info: ProxyInfo,
  authority: UpgradeAuthority,
  signer: string,
  proxyLabel: string,
  blockTag?: number,
): Promise<void> {
  const { allowed, reason } = await signerCanUpgrade(provider, info, authority, signer, blockTag);
  if (allowed) return;
  if (authority.kind === "transparent") {
    throw new SignerCannotUpgradeError(signer, proxyLabel, authority.proxyAdmin, authority.owner);
  }
  throw new SignerLacksUpgradeRightError(signer, proxyLabel, reason);
}
