/**
 * How one round of reads is cut into reader-program calls: plain slots first, then each mapping
 * group's keys, every call filled up to ~95% of its gas and to `maxProgramBytes` of code. A group
 * that does not fit is split across calls (each piece says which group and key it starts at, so
 * the answers land in place). Fewer, fuller calls are faster on both nodes; the 5% margin and the
 * overestimated costs of PROGRAM_GAS keep a packed call from running out of gas on the node.
 */
import { StorageReadError } from "../layout-errors";
import { PROGRAM_BYTES, PROGRAM_GAS, type MappedPart, type PlainPart } from "./reader-program";
import type { HashPair, MappedGroup } from "./storage-reader";

/**
 * Most consecutive slots read per mapping key in one pass (a struct of up to 16 slots): it bounds
 * a key's code and answer, so one key always fits a call.
 */
export const MAX_MAPPED_MEMBERS = 16;

/** A part of one call, and for a mapping's part which group and key it starts at. */
export type PackedPart = PlainPart | (MappedPart & { group: number; from: number });

/** What one call may hold. */
export interface CallLimits {
  /** Gas given to each call; it is filled to ~95%. */
  callGas: bigint;
  /** Most code bytes of one call's program. */
  maxProgramBytes: number;
}

/** What one item (a slot, or a key with its members) adds to a call. */
interface ItemCost {
  gas: number;
  bytes: number;
  /** 32-byte answers, which grow the call's memory (and its quadratic cost). */
  words: number;
}

/** The call being filled, and what it has used so far. */
interface OpenCall {
  parts: PackedPart[];
  gas: number;
  bytes: number;
  words: number;
}

const SLOT_COST: ItemCost = { gas: PROGRAM_GAS.read, bytes: PROGRAM_BYTES.read, words: 1 };

/** A mapping key: its hash, then `members` reads, answering h and each member's value. */
function keyCost(members: number): ItemCost {
  return {
    gas: PROGRAM_GAS.key + members * PROGRAM_GAS.read,
    bytes: PROGRAM_BYTES.key(members),
    words: members + 1,
  };
}

function openCall(): OpenCall {
  return { parts: [], gas: 0, bytes: PROGRAM_BYTES.frame, words: 0 };
}

/** The gas a call's parts may spend: ~95% of the call's gas, less its fixed cost. */
export function callBudget(callGas: bigint): number {
  return (Number(callGas) * 95) / 100 - PROGRAM_GAS.call;
}

/** How many of `count` items of `cost` still fit in `call` as one more part. */
function room(
  call: OpenCall,
  count: number,
  cost: ItemCost,
  budget: number,
  maxProgramBytes: number,
): number {
  let fit = Math.min(
    count,
    Math.floor((budget - call.gas - PROGRAM_GAS.part) / cost.gas),
    Math.floor((maxProgramBytes - call.bytes - PROGRAM_BYTES.part) / cost.bytes),
  );
  // Memory cost is quadratic in the answers: shrink until it fits too (rarely more than once).
  while (
    fit > 0 &&
    call.gas + fit * cost.gas + PROGRAM_GAS.memory(call.words + fit * cost.words) > budget
  ) {
    fit = Math.floor(fit * 0.9);
  }
  return Math.max(fit, 0);
}

/** Adds a part of `count` items of `cost` to `call`. */
function place(call: OpenCall, part: PackedPart, count: number, cost: ItemCost): void {
  call.parts.push(part);
  call.gas += PROGRAM_GAS.part + count * cost.gas;
  call.bytes += PROGRAM_BYTES.part + count * cost.bytes;
  call.words += count * cost.words;
}

/**
 * Packs plain slots and mapping groups into calls (each a list of parts, in the order answers
 * come back): slots first, then the groups in order, splitting any of them across calls where
 * needed. Throws AEGIS-E324 for a group of more than MAX_MAPPED_MEMBERS members, or when not even
 * one item fits an empty call (a call gas too small to read anything).
 */
export function packCalls(
  slots: bigint[],
  groups: MappedGroup[],
  limits: CallLimits,
  label: string,
): PackedPart[][] {
  const budget = callBudget(limits.callGas);
  const calls: PackedPart[][] = [];
  let call = openCall();
  // Fills calls with `count` items, `take(start, fit)` making the part of items [start, start+fit).
  const pack = (
    count: number,
    cost: ItemCost,
    take: (start: number, fit: number) => PackedPart,
  ) => {
    for (let start = 0; start < count;) {
      const fit = room(call, count - start, cost, budget, limits.maxProgramBytes);
      if (fit === 0) {
        if (call.parts.length === 0) throw new StorageReadError(label, "a call's gas fits no read");
        calls.push(call.parts);
        call = openCall();
        continue;
      }
      place(call, take(start, fit), fit, cost);
      start += fit;
    }
  };

  pack(slots.length, SLOT_COST, (start, fit) => ({ slots: slots.slice(start, start + fit) }));
  groups.forEach((group, index) => {
    const { base, keys, members } = group;
    if (members < 0 || members > MAX_MAPPED_MEMBERS) {
      throw new StorageReadError(label, `a mapping group of ${members} members`);
    }
    pack(keys.length, keyCost(members), (start, fit) => ({
      base,
      keys: keys.slice(start, start + fit),
      members,
      group: index,
      from: start,
    }));
  });
  if (call.parts.length > 0) calls.push(call.parts);
  return calls;
}

/**
 * Mapping entry slots to hash as groups of no members (the program then answers each key's
 * keccak256(key . slot) alone): each run of pairs with one slot becomes one group, in order.
 */
export function hashGroups(pairs: HashPair[]): MappedGroup[] {
  const groups: MappedGroup[] = [];
  for (const pair of pairs) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.base === pair.slot) last.keys.push(pair.key);
    else groups.push({ base: pair.slot, keys: [pair.key], members: 0 });
  }
  return groups;
}
