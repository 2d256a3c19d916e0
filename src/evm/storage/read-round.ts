/**
 * One round of reads: every slot the pending items need that no earlier round read, and the
 * round's fused mapping entries, in one pass of the reader (a fused read when the reader has
 * one and there are entries to fuse, else a plain read). Words read are kept for the whole
 * snapshot, so a slot shared by packed variables or read again is never asked for twice.
 */
import type { Pending } from "./layout-walk";
import type { FusedRound, ReadTarget } from "./mapping-queue";
import type { MappedResult } from "./storage-reader";
import { addSlot, dataSlot } from "./storage-slots";

/** What a round read beyond the words it stored. */
export interface RoundResult {
  /** Per group of the round: its keys' entry slots and values (see MappedResult). */
  mapped: MappedResult["groups"];
  /** Slots the fused entries' values came from, counted as if read one by one. */
  fusedSlots: number;
}

/** The slots `frontier` needs (a long string's every data slot) that `words` does not hold. */
export function missingSlots(frontier: Pending[], words: Map<bigint, bigint>): bigint[] {
  const needed = new Set<bigint>();
  for (const pending of frontier) {
    if (pending.kind === "fused") continue;
    if (pending.kind === "bytes-data") {
      const first = dataSlot(pending.walk.slot);
      const count = BigInt(Math.ceil(pending.length / 32));
      for (let index = 0n; index < count; index++) needed.add(addSlot(first, index));
    } else {
      needed.add(pending.walk.slot);
    }
  }
  return [...needed].filter((slot) => !words.has(slot));
}

/** Reads what `frontier` and `round` need into `words` and returns the fused entries' values. */
export async function readRound(
  target: ReadTarget,
  frontier: Pending[],
  round: FusedRound,
  words: Map<bigint, bigint>,
): Promise<RoundResult> {
  const { reader, address, blockTag } = target;
  const missing = missingSlots(frontier, words);
  if (round.groups.length === 0 || reader.readMapped === undefined) {
    const values = await reader.read(address, missing, blockTag);
    missing.forEach((slot, index) => words.set(slot, values[index]!));
    return { mapped: [], fusedSlots: 0 };
  }
  const result = await reader.readMapped(address, missing, round.groups, blockTag);
  missing.forEach((slot, index) => words.set(slot, result.values[index]!));
  // A group's keys are distinct (the walk drops repeats) and distinct keys of one mapping have
  // non-overlapping entries (Solidity's layout rests on that): no Set of slots is needed.
  let fusedSlots = 0;
  round.groups.forEach(({ keys }, group) => {
    fusedSlots += keys.length * round.templates[group]!.rels.length;
  });
  return { mapped: result.groups, fusedSlots };
}
