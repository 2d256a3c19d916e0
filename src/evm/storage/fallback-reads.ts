/**
 * The storage reader's fallback, for a node that refuses state overrides or answers them wrongly:
 * mapping keys are hashed in JavaScript and every slot is read with `eth_getStorageAt`, sent in
 * JSON-RPC batches. Slower (see STACK.md), but the values and their order are the fast path's.
 */
import { ethers } from "ethers";
import { addSlot, slotHex } from "./storage-slots";
import type { HashPair, MappedGroup, MappedResult, StorageReader } from "./storage-reader";

/** The values of `slots`, one `eth_getStorageAt` each. */
export async function readEach(
  batch: StorageReader["batch"],
  address: string,
  slots: bigint[],
  blockTag: string,
): Promise<bigint[]> {
  const results = await batch(
    slots.map((slot) => ({
      method: "eth_getStorageAt",
      params: [address, slotHex(slot), blockTag],
    })),
  );
  return results.map((result) => BigInt(result as string));
}

/** keccak256(key . slot), as 0x and 64 hex digits: a mapping entry's slot. */
function entrySlotHex(key: string, slot: bigint): string {
  return ethers.keccak256(ethers.concat([key, slotHex(slot)]));
}

/** Every pair's entry slot, hashed in JavaScript. */
export function hashPairsLocally(pairs: HashPair[]): bigint[] {
  return pairs.map((pair) => BigInt(entrySlotHex(pair.key, pair.slot)));
}

/**
 * Reads `slots` and `groups` into `out` as the fast path does: entry slots hashed here, then the
 * plain slots and every entry's members read in one batched pass.
 */
export async function readMappedEach(
  batch: StorageReader["batch"],
  request: { address: string; slots: bigint[]; groups: MappedGroup[]; blockTag: string },
  out: MappedResult,
): Promise<MappedResult> {
  const { slots, groups } = request;
  const wanted = [...slots];
  groups.forEach((group, index) => {
    const target = out.groups[index]!;
    group.keys.forEach((key, k) => {
      const hash = entrySlotHex(key, group.base);
      const slot = BigInt(hash);
      target.slots[k] = hash;
      for (let j = 0; j < group.members; j++) wanted.push(addSlot(slot, BigInt(j)));
    });
  });
  const values = await readEach(batch, request.address, wanted, request.blockTag);
  out.values = values.slice(0, slots.length);
  let next = slots.length;
  for (const target of out.groups) {
    for (let v = 0; v < target.values.length; v++) target.values[v] = values[next++]!;
  }
  return out;
}
