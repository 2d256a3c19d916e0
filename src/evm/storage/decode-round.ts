/**
 * After a round's read, each pending item becomes snapshot entries, or the reads it leads to: an
 * array's length gives its elements, a long string's head its data slots. Those are the next
 * round's pending items, so a snapshot takes as many rounds as its deepest chain of such reads.
 */
import { ethers } from "ethers";
import { expandElements, type Pending, type Walk, type WalkContext } from "./layout-walk";
import type { SnapshotEntry, SnapshotValue } from "./snapshot";
import type { MappedResult } from "./storage-reader";
import { addSlot, dataSlot, extractBytes, slotHex } from "./storage-slots";
import { decodeBytes, decodeValue, slotPlus } from "./value-decoding";

/** Where a round's items go: the entries decoded, and the items that need another read. */
interface Sinks {
  entries: SnapshotEntry[];
  next: Pending[];
}

/**
 * Decodes `frontier` from `words` (plain slots) and `mapped` (fused entries, per group of the
 * round) into `entries`; returns the pending items of the next round.
 */
export function decodeRound(
  ctx: WalkContext,
  frontier: Pending[],
  words: Map<bigint, bigint>,
  mapped: MappedResult["groups"],
  entries: SnapshotEntry[],
): Pending[] {
  const sinks: Sinks = { entries, next: [] };
  for (const pending of frontier) {
    if (pending.kind === "fused") {
      decodeFused(pending, mapped[pending.group]!, entries);
      continue;
    }
    const word = words.get(pending.walk.slot) ?? 0n;
    switch (pending.kind) {
      case "value":
        decodeValueAt(ctx, pending.walk, word, entries);
        break;
      case "array-length":
        decodeArrayLength(ctx, pending, word, sinks);
        break;
      case "bytes-head":
        decodeBytesHead(ctx, pending, word, sinks);
        break;
      case "bytes-data":
        decodeBytesData(pending, words, entries);
        break;
    }
  }
  return sinks.next;
}

function entryAt(walk: Walk, type: string, bytes: number, value: SnapshotValue): SnapshotEntry {
  return { path: walk.path, slot: slotHex(walk.slot), offset: walk.offset, bytes, type, value };
}

/** Every leaf of every entry of a fused mapping, from its group's entry slots and values. */
function decodeFused(
  pending: Extract<Pending, { kind: "fused" }>,
  group: MappedResult["groups"][number],
  entries: SnapshotEntry[],
): void {
  const { slots, values } = group;
  const { leaves, members } = pending.template;
  pending.displays.forEach((display, k) => {
    const index = pending.from + k;
    const slot = slots[index]!;
    const first = index * members;
    const path = `${pending.path}[${display}]`;
    for (const leaf of leaves) {
      const word = values[first + leaf.rel]!;
      entries.push({
        path: path + leaf.suffix,
        slot: leaf.rel === 0 ? slot : slotPlus(slot, leaf.rel),
        offset: leaf.offset,
        bytes: leaf.info.bytes,
        type: leaf.info.label,
        value: decodeValue(extractBytes(word, leaf.offset, leaf.info.bytes), leaf.info),
      });
    }
  });
}

function decodeValueAt(ctx: WalkContext, walk: Walk, word: bigint, entries: SnapshotEntry[]) {
  const info = ctx.describe(walk.typeId, walk.path);
  if (info.kind !== "value") return;
  const raw = extractBytes(word, walk.offset, info.bytes);
  entries.push(entryAt(walk, info.label, info.bytes, decodeValue(raw, info)));
}

/** A dynamic array's length is an entry of its own; its elements are the next round's. */
function decodeArrayLength(
  ctx: WalkContext,
  pending: Extract<Pending, { kind: "array-length" }>,
  word: bigint,
  sinks: Sinks,
): void {
  const { walk } = pending;
  sinks.entries.push(
    entryAt({ ...walk, path: `${walk.path}.length` }, "uint256", 32, word.toString()),
  );
  expandElements(ctx, walk, pending.elementId, word, dataSlot(walk.slot), sinks.next);
}

/**
 * A string's or bytes' head: the data itself when short; when long, its length, and its data
 * slots are the next round's (unless over the length limit: then length and a note only).
 */
function decodeBytesHead(
  ctx: WalkContext,
  pending: Extract<Pending, { kind: "bytes-head" }>,
  word: bigint,
  sinks: Sinks,
): void {
  const { walk } = pending;
  if ((word & 1n) === 0n) {
    // Short form: the data sits in the high-order bytes, the low byte is length * 2.
    const length = Number((word & 0xffn) / 2n);
    const data = ethers.getBytes(slotHex(word)).slice(0, length);
    sinks.entries.push(entryAt(walk, pending.label, length, decodeBytes(data, pending.text)));
    return;
  }
  const length = (word - 1n) / 2n;
  if (length > BigInt(ctx.maxBytesLength)) {
    ctx.warnings.push(`${walk.path}: ${length} bytes, longer than the limit, not read`);
    sinks.entries.push(entryAt(walk, pending.label, Number(length), `<${length} bytes not read>`));
  } else {
    sinks.next.push({ ...pending, kind: "bytes-data", length: Number(length) });
  }
}

/** A long string's or bytes' data, from its consecutive data slots. */
function decodeBytesData(
  pending: Extract<Pending, { kind: "bytes-data" }>,
  words: Map<bigint, bigint>,
  entries: SnapshotEntry[],
): void {
  const { walk } = pending;
  const first = dataSlot(walk.slot);
  const chunks: Uint8Array[] = [];
  for (let index = 0; index * 32 < pending.length; index++) {
    const dataWord = words.get(addSlot(first, BigInt(index))) ?? 0n;
    chunks.push(ethers.getBytes(slotHex(dataWord)));
  }
  const data = ethers.getBytes(ethers.concat(chunks)).slice(0, pending.length);
  entries.push(entryAt(walk, pending.label, pending.length, decodeBytes(data, pending.text)));
}
