/**
 * Storage bytes turned into the values a snapshot records: integers as decimal strings (JSON has
 * no 256-bit numbers), addresses checksummed, enums by member name, other bytes as 0x hex.
 */
import { ethers } from "ethers";
import type { SnapshotValue } from "./snapshot";
import { addSlot, slotHex } from "./storage-slots";
import type { ValueTypeInfo } from "./storage-types";

/** Turns a value type's raw bytes into its JSON value. */
export function decodeValue(raw: bigint, info: ValueTypeInfo): SnapshotValue {
  switch (info.encoding) {
    case "uint":
      return raw.toString();
    case "int":
      return BigInt.asIntN(info.bytes * 8, raw).toString();
    case "bool":
      return raw !== 0n;
    case "address":
      return ethers.getAddress(`0x${raw.toString(16).padStart(40, "0")}`);
    case "enum":
      return info.enumMembers?.[Number(raw)] ?? raw.toString();
    default:
      return `0x${raw.toString(16).padStart(info.bytes * 2, "0")}`;
  }
}

/** A string's or bytes' data: text when it is a string of valid UTF-8, else 0x hex. */
export function decodeBytes(data: Uint8Array, text: boolean): string {
  if (!text) return ethers.hexlify(data);
  try {
    return ethers.toUtf8String(data);
  } catch {
    // Storage may hold bytes that are not UTF-8 even in a string; keep them exactly.
    return ethers.hexlify(data);
  }
}

/**
 * `slot + rel` in slotHex form, without BigInt when only the last hex digit changes: a struct's
 * members sit a few slots after its entry's hashed slot, for thousands of entries.
 */
export function slotPlus(slot: string, rel: number): string {
  const last = parseInt(slot[65]!, 16) + rel;
  if (last < 16) return slot.slice(0, 65) + last.toString(16);
  return slotHex(addSlot(BigInt(slot), BigInt(rel)));
}
