/** Reads OpenZeppelin v5's Initializable state of a proxy straight from storage. */
import type { Provider } from "ethers";

/** ERC-7201 base slot of `openzeppelin.storage.Initializable` (OpenZeppelin contracts 5.x). */
export const INITIALIZABLE_SLOT =
  "0xf0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00";

/** `_initialized` (uint64, the low 8 bytes) and `_initializing` (bool, the next byte). */
export async function readInitializableState(
  provider: Provider,
  proxy: string,
  blockTag?: number,
): Promise<{ initializedVersion: bigint; initializing: boolean }> {
  const word = BigInt(await provider.getStorage(proxy, INITIALIZABLE_SLOT, blockTag));
  return {
    initializedVersion: word & 0xffffffffffffffffn,
    initializing: ((word >> 64n) & 0xffn) !== 0n,
  };
}
