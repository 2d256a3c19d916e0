/**
 * Slot arithmetic of Solidity storage: where mapping values, dynamic array elements, long bytes
 * and strings, struct members and ERC-7201 namespaces live. All slots are bigints modulo 2^256.
 */
import { ethers } from "ethers";

const MODULUS = 1n << 256n;

/** A slot as 0x-prefixed 32-byte hex, the form JSON-RPC and snapshots use. */
export function slotHex(slot: bigint): string {
  return `0x${slot.toString(16).padStart(64, "0")}`;
}

/** `slot + delta` wrapped at 2^256, as the EVM adds slot numbers. */
export function addSlot(slot: bigint, delta: bigint): bigint {
  return (slot + delta) % MODULUS;
}

/** Where element data of a dynamic array (or a long bytes/string) begins: keccak256(slot). */
export function dataSlot(slot: bigint): bigint {
  return BigInt(ethers.keccak256(slotHex(slot)));
}

/** The value slot of a mapping entry, from the key's encoding (see encodeMappingKey). */
export function mappingValueSlot(encodedKey: string, mappingSlot: bigint): bigint {
  return BigInt(ethers.keccak256(ethers.concat([encodedKey, slotHex(mappingSlot)])));
}

/** The ERC-7201 base slot of a namespace id: keccak256(uint256(keccak256(id)) - 1) & ~0xff. */
export function erc7201Slot(id: string): bigint {
  const inner = BigInt(ethers.id(id)) - 1n;
  return BigInt(ethers.keccak256(slotHex(inner))) & ~0xffn;
}

/** The namespace id of an OpenZeppelin layout key such as `erc7201:my.namespace`. */
export function namespaceBaseSlot(storageLocation: string): bigint | undefined {
  const match = /^erc7201:(.+)$/.exec(storageLocation);
  return match ? erc7201Slot(match[1]!) : undefined;
}

/** Where element `index` of an array of `elementBytes`-sized elements starting at `base` is. */
export function arrayElementPosition(
  base: bigint,
  index: bigint,
  elementBytes: number,
): { slot: bigint; offset: number } {
  if (elementBytes > 16) {
    // Elements of more than half a slot never share one: each takes whole slots.
    const slotsPerElement = BigInt(Math.ceil(elementBytes / 32));
    return { slot: addSlot(base, index * slotsPerElement), offset: 0 };
  }
  const perSlot = BigInt(Math.floor(32 / elementBytes));
  return {
    slot: addSlot(base, index / perSlot),
    offset: Number(index % perSlot) * elementBytes,
  };
}

/** How many slots `length` elements of `elementBytes` bytes occupy. */
export function arraySlotCount(length: bigint, elementBytes: number): bigint {
  if (length === 0n) return 0n;
  if (elementBytes > 16) return length * BigInt(Math.ceil(elementBytes / 32));
  const perSlot = BigInt(Math.floor(32 / elementBytes));
  return (length + perSlot - 1n) / perSlot;
}

/** The bytes `[offset, offset + size)` of a storage word, counted from its low-order end. */
export function extractBytes(word: bigint, offset: number, size: number): bigint {
  // Most values fill their slot: no BigInt shift and mask for them.
  if (offset === 0 && size === 32) return word;
  return (word >> BigInt(offset * 8)) & ((1n << BigInt(size * 8)) - 1n);
}

/** The EIP-1967 slots of a proxy: keccak256("eip1967.proxy.<name>") - 1. */
export const EIP1967_SLOTS = {
  implementation: BigInt(ethers.id("eip1967.proxy.implementation")) - 1n,
  admin: BigInt(ethers.id("eip1967.proxy.admin")) - 1n,
  beacon: BigInt(ethers.id("eip1967.proxy.beacon")) - 1n,
} as const;
