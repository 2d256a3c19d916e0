/** EIP-1967 proxies: the standard slots, and what a proxy's slots say about it. */
import { ethers, type Provider } from "ethers";
import { NotAProxyError, UnsupportedProxyError } from "../errors";

/** bytes32(uint256(keccak256('eip1967.proxy.implementation')) - 1) */
export const IMPLEMENTATION_SLOT =
  "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
/** bytes32(uint256(keccak256('eip1967.proxy.admin')) - 1) */
export const ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";
/** bytes32(uint256(keccak256('eip1967.proxy.beacon')) - 1) */
export const BEACON_SLOT = "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50";

/** What a proxy's EIP-1967 slots hold at one block. */
export interface ProxyInfo {
  proxy: string;
  implementation: string;
  /** The admin slot's address (a ProxyAdmin for a transparent proxy); zero for UUPS. */
  admin: string;
  kind: "transparent" | "uups";
}

function slotAddress(word: string): string {
  return ethers.getAddress(ethers.dataSlice(ethers.zeroPadValue(word, 32), 12));
}

/** Reads a proxy's slots; throws AEGIS-E305 for an account without code or without the slots. */
export async function readProxyInfo(
  provider: Provider,
  proxy: string,
  blockTag?: number,
): Promise<ProxyInfo> {
  const [code, implementationWord, adminWord, beaconWord] = await Promise.all([
    provider.getCode(proxy, blockTag),
    provider.getStorage(proxy, IMPLEMENTATION_SLOT, blockTag),
    provider.getStorage(proxy, ADMIN_SLOT, blockTag),
    provider.getStorage(proxy, BEACON_SLOT, blockTag),
  ]);
  if (code === "0x") throw new NotAProxyError(proxy, "it is an account without code (an EOA)");
  const implementation = slotAddress(implementationWord);
  if (implementation === ethers.ZeroAddress) {
    const beacon = slotAddress(beaconWord);
    if (beacon !== ethers.ZeroAddress) {
      throw new UnsupportedProxyError(
        ethers.getAddress(proxy),
        `it is a beacon proxy (beacon ${beacon}): its implementation is the beacon's, shared by every proxy of that beacon`,
      );
    }
    throw new NotAProxyError(proxy, "its EIP-1967 implementation slot is empty");
  }
  const admin = slotAddress(adminWord);
  return {
    proxy: ethers.getAddress(proxy),
    implementation,
    admin,
    kind: admin === ethers.ZeroAddress ? "uups" : "transparent",
  };
}
