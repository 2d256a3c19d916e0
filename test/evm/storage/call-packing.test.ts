import { expect } from "chai";
import { ethers } from "ethers";
import {
  MAX_MAPPED_MEMBERS,
  callBudget,
  hashGroups,
  packCalls,
  type PackedPart,
} from "../../../src/evm/storage/call-packing";
import {
  PROGRAM_BYTES,
  PROGRAM_GAS,
  answerWords,
  readerProgram,
} from "../../../src/evm/storage/reader-program";
import type { MappedGroup } from "../../../src/evm/storage/storage-reader";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";

const HARDHAT_CALL_GAS = 16_777_216n;
const DEFAULT_LIMITS = { callGas: HARDHAT_CALL_GAS, maxProgramBytes: 700_000 };

const slotsFrom = (first: bigint, count: number) =>
  Array.from({ length: count }, (_, index) => first + BigInt(index));
const keysOf = (tag: string, count: number) =>
  Array.from({ length: count }, (_, index) => ethers.id(`${tag}-${index}`));

/** The gas PROGRAM_GAS charges a call of `parts`, as the packer counts it. */
function estimatedGas(parts: PackedPart[]): number {
  let gas = 0;
  for (const part of parts) {
    gas += PROGRAM_GAS.part;
    gas +=
      "slots" in part
        ? part.slots.length * PROGRAM_GAS.read
        : part.keys.length * (PROGRAM_GAS.key + part.members * PROGRAM_GAS.read);
  }
  return gas + PROGRAM_GAS.memory(answerWords(parts));
}

/** The slots and each group's keys, read back from packed calls in the order they answer. */
function unpack(calls: PackedPart[][], groups: MappedGroup[]) {
  const slots: bigint[] = [];
  const keys = groups.map(() => [] as string[]);
  for (const part of calls.flat()) {
    if ("slots" in part) {
      slots.push(...part.slots);
    } else {
      const group = groups[part.group]!;
      expect(part.base).to.equal(group.base);
      expect(part.members).to.equal(group.members);
      // A split group continues exactly where its previous part stopped.
      expect(part.from).to.equal(keys[part.group]!.length);
      keys[part.group]!.push(...part.keys);
    }
  }
  return { slots, keys };
}

describe("call packing of the storage reader", () => {
  it("packs a round that fits into one call: plain slots first, then each group in order", () => {
    const groups = [
      { base: 3n, keys: keysOf("a", 400), members: 1 },
      { base: 7n, keys: keysOf("b", 300), members: 3 },
    ];
    const calls = packCalls(slotsFrom(0n, 1_000), groups, DEFAULT_LIMITS, "test");
    expect(calls).to.have.length(1);
    expect(
      calls[0]!.map((part) => ("slots" in part ? "slots" : `group ${part.group}`)),
    ).to.deep.equal(["slots", "group 0", "group 1"]);
    expect(unpack(calls, groups)).to.deep.equal({
      slots: slotsFrom(0n, 1_000),
      keys: groups.map((group) => group.keys),
    });
  });

  it("fills each call up to ~95% of its gas, never over, and opens another only when full", () => {
    const slots = slotsFrom(100n, 20_000);
    const calls = packCalls(slots, [], DEFAULT_LIMITS, "test");
    // ~7,400 cold reads fit under the Hardhat node's cap of 2^24 gas, memory included.
    expect(calls).to.have.length(3);
    const budget = callBudget(HARDHAT_CALL_GAS);
    expect(budget).to.equal((16_777_216 * 95) / 100 - PROGRAM_GAS.call);
    for (const [index, parts] of calls.entries()) {
      expect(estimatedGas(parts)).to.be.at.most(budget);
      // Full: not even one more read (as one more part) would have fitted.
      if (index < calls.length - 1) {
        expect(estimatedGas([...parts, { slots: [0n] }])).to.be.greaterThan(budget);
      }
    }
    expect(unpack(calls, []).slots).to.deep.equal(slots);
  });

  it("splits a group across calls and says at which key each piece starts", () => {
    const groups = [
      { base: 1n, keys: keysOf("small", 5), members: 1 },
      { base: 2n ** 255n, keys: keysOf("big", 3_000), members: 3 },
      { base: 9n, keys: keysOf("hashes", 10), members: 0 },
    ];
    const calls = packCalls(slotsFrom(0n, 10), groups, DEFAULT_LIMITS, "test");
    expect(calls.length).to.be.greaterThan(1);
    const pieces = calls.flat().filter((part) => "keys" in part && part.group === 1);
    expect(pieces.length).to.be.greaterThan(1);
    for (const parts of calls)
      expect(estimatedGas(parts)).to.be.at.most(callBudget(HARDHAT_CALL_GAS));
    expect(unpack(calls, groups)).to.deep.equal({
      slots: slotsFrom(0n, 10),
      keys: groups.map((group) => group.keys),
    });
  });

  it("keeps each call's program under maxProgramBytes (the byte costs overestimate the code)", () => {
    const groups = [
      { base: 5n, keys: keysOf("k", 120), members: 2 },
      { base: 2n ** 256n - 1n, keys: keysOf("m", 30), members: MAX_MAPPED_MEMBERS },
    ];
    // Large slot numbers take the longest PUSH32 immediates.
    const slots = [...slotsFrom(0n, 50), ...slotsFrom(2n ** 256n - 100n, 50)];
    const limits = { callGas: HARDHAT_CALL_GAS, maxProgramBytes: 2_000 };
    const calls = packCalls(slots, groups, limits, "test");
    expect(calls.length).to.be.greaterThan(5);
    for (const parts of calls) {
      const codeBytes = (readerProgram(parts).length - 2) / 2;
      expect(codeBytes).to.be.at.most(limits.maxProgramBytes);
      let counted = PROGRAM_BYTES.frame;
      for (const part of parts) {
        counted +=
          PROGRAM_BYTES.part +
          ("slots" in part
            ? part.slots.length * PROGRAM_BYTES.read
            : part.keys.length * PROGRAM_BYTES.key(part.members));
      }
      expect(codeBytes).to.be.at.most(counted);
    }
    expect(unpack(calls, groups)).to.deep.equal({ slots, keys: groups.map((group) => group.keys) });
  });

  it(`takes up to ${MAX_MAPPED_MEMBERS} members per key and refuses more, with AEGIS-E324`, () => {
    const keys = keysOf("x", 2);
    const calls = packCalls(
      [],
      [{ base: 1n, keys, members: MAX_MAPPED_MEMBERS }],
      DEFAULT_LIMITS,
      "t",
    );
    expect(answerWords(calls[0]!)).to.equal(2 * (MAX_MAPPED_MEMBERS + 1));
    for (const members of [MAX_MAPPED_MEMBERS + 1, -1]) {
      expect(() => packCalls([], [{ base: 1n, keys, members }], DEFAULT_LIMITS, "node"))
        .to.throw(/a mapping group of/)
        .with.property("code", EVM_ERROR_CODES.STORAGE_READ_FAILED);
    }
  });

  it("refuses a call gas that fits not even one read, with AEGIS-E324", () => {
    expect(() => packCalls([1n], [], { ...DEFAULT_LIMITS, callGas: 25_000n }, "node"))
      .to.throw(/a call's gas fits no read/)
      .with.property("code", EVM_ERROR_CODES.STORAGE_READ_FAILED);
  });

  it("packs nothing into no calls, and skips groups without keys", () => {
    expect(packCalls([], [], DEFAULT_LIMITS, "t")).to.deep.equal([]);
    expect(packCalls([], [{ base: 1n, keys: [], members: 2 }], DEFAULT_LIMITS, "t")).to.deep.equal(
      [],
    );
  });

  it("hashes pairs as groups of no members, one per run of pairs with the same slot", () => {
    const [a, b, c] = keysOf("pair", 3) as [string, string, string];
    expect(
      hashGroups([
        { key: a, slot: 1n },
        { key: b, slot: 1n },
        { key: c, slot: 2n },
        { key: a, slot: 1n },
      ]),
    ).to.deep.equal([
      { base: 1n, keys: [a, b], members: 0 },
      { base: 2n, keys: [c], members: 0 },
      { base: 1n, keys: [a], members: 0 },
    ]);
  });
});
