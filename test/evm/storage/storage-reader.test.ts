import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import { packCalls } from "../../../src/evm/storage/call-packing";
import type { RpcRequester } from "../../../src/evm/chain/rpc";
import { createStorageReader, type MappedGroup } from "../../../src/evm/storage/storage-reader";
import { countingRequester } from "./rpc-counter";

const WORD = 2n ** 256n;
const entrySlot = (key: string, base: bigint) =>
  BigInt(ethers.keccak256(ethers.concat([key, ethers.toBeHex(base, 32)])));
const keysOf = (tag: string, count: number) =>
  Array.from({ length: count }, (_, index) => ethers.id(`${tag}-${index}`));

/** An account with no code whose storage the test writes: the reader only needs the address. */
function freshAddress(tag: string): string {
  return ethers.getAddress(ethers.dataSlice(ethers.id(tag), 12));
}

async function setStorage(address: string, slot: bigint, value: string) {
  await hre.network.provider.send("hardhat_setStorageAt", [
    address,
    ethers.toBeHex(slot % WORD, 32),
    value,
  ]);
}

async function direct(address: string, slot: bigint): Promise<bigint> {
  return BigInt(await hre.ethers.provider.getStorage(address, slot % WORD));
}

/** A requester in front of the in-process network that refuses state overrides. */
function refusingOverrides(inner: RpcRequester): RpcRequester {
  return {
    send(method, params) {
      if (method === "eth_call" && params.length > 2) {
        return Promise.reject(new Error("state overrides are not supported"));
      }
      return inner.send(method, params);
    },
  };
}

describe("storage reader (in-process network)", () => {
  it("sends one state-override call per packed call, all at once, each run within its gas", async () => {
    const address = freshAddress("packed-reads");
    const slots = Array.from({ length: 4_000 }, (_, index) => BigInt(index));
    const groups: MappedGroup[] = [
      { base: 11n, keys: keysOf("balance", 1_000), members: 3 },
      { base: 12n, keys: keysOf("struct", 200), members: 16 },
    ];
    // A value in a few plain slots and in the first and last members of some entries.
    for (const slot of [0n, 1_999n, 3_999n]) await setStorage(address, slot, ethers.id(`${slot}`));
    for (const group of groups) {
      for (const key of [group.keys[0]!, group.keys[group.keys.length - 1]!]) {
        const slot = entrySlot(key, group.base);
        await setStorage(address, slot, ethers.id(`${key}-first`));
        await setStorage(address, slot + BigInt(group.members - 1), ethers.id(`${key}-last`));
      }
    }
    const requester = countingRequester(hre.network.provider);
    const reader = createStorageReader(requester);
    await reader.prepare!(address, 0n, "latest");
    expect(reader.mode).to.equal("override");
    requester.log.reset();

    const result = await reader.readMapped!(address, slots, groups, "latest");
    const expected = packCalls(
      slots,
      groups,
      { callGas: 16_777_216n, maxProgramBytes: 700_000 },
      "",
    );
    // ~22,000 reads: more than one call's gas, so the round is split, but into no more calls
    // than the packing makes, and with no eth_getStorageAt behind them.
    expect(expected.length).to.be.greaterThan(1);
    expect(requester.log.methods()).to.deep.equal(expected.map(() => "eth_call"));
    expect(requester.log.overrideCalls()).to.equal(expected.length);
    expect(requester.maxInFlight()).to.equal(expected.length);

    for (const slot of [0n, 1n, 1_999n, 3_999n]) {
      expect(result.values[Number(slot)]).to.equal(await direct(address, slot));
    }
    expect(result.values[0]).to.not.equal(0n);
    for (const [index, group] of groups.entries()) {
      const read = result.groups[index]!;
      expect(read.slots).to.have.length(group.keys.length);
      expect(read.values).to.have.length(group.keys.length * group.members);
      for (const k of [0, group.keys.length - 1]) {
        const slot = entrySlot(group.keys[k]!, group.base);
        expect(read.slots[k]).to.equal(ethers.toBeHex(slot, 32));
        for (const member of [0, group.members - 1]) {
          const value = await direct(address, slot + BigInt(member));
          expect(value).to.not.equal(0n);
          expect(read.values[k * group.members + member]).to.equal(value);
        }
      }
    }
  });

  it("hashes pairs on the node in one call, runs of one slot and interleaved slots alike", async () => {
    const address = freshAddress("hash-pairs");
    const keys = keysOf("pair", 30);
    const pairs = keys.map((key, index) => ({ key, slot: index < 10 ? 5n : BigInt(index % 3) }));
    const requester = countingRequester(hre.network.provider);
    const reader = createStorageReader(requester);
    await reader.prepare!(address, 0n, "latest");
    requester.log.reset();
    const hashed = await reader.hashPairs(address, pairs, "latest");
    expect(hashed).to.deep.equal(pairs.map((pair) => entrySlot(pair.key, pair.slot)));
    expect(requester.log.methods()).to.deep.equal(["eth_call"]);
    expect(requester.log.overrideCalls()).to.equal(1);
  });

  it("probes a node once: a second reader of the same endpoint reads at once", async () => {
    const address = freshAddress("probe-once");
    const requester = countingRequester(hre.network.provider);
    const first = createStorageReader(requester);
    await first.read(address, [1n, 2n], "latest");
    // The probe (a program call, the same slot directly, the client's version), then the read.
    expect(requester.log.methods()).to.deep.equal([
      "eth_call",
      "eth_getStorageAt",
      "web3_clientVersion",
      "eth_call",
    ]);
    requester.log.reset();
    const second = createStorageReader(requester);
    expect(second.mode).to.equal("override");
    await second.read(address, [1n, 2n], "latest");
    expect(requester.log.methods()).to.deep.equal(["eth_call"]);
  });

  it("reads a node that refuses state overrides with eth_getStorageAt, after one probe", async () => {
    const address = freshAddress("refused");
    await setStorage(address, 7n, ethers.id("seven"));
    const group = { base: 2n, keys: keysOf("refused", 4), members: 2 };
    await setStorage(address, entrySlot(group.keys[1]!, group.base) + 1n, ethers.id("member"));
    const requester = countingRequester(refusingOverrides(hre.network.provider));
    const reader = createStorageReader(requester);
    const fallback = await reader.readMapped!(address, [7n, 8n], [group], "latest");
    expect(reader.mode).to.equal("batch");
    expect(requester.log.overrideCalls()).to.equal(1);
    // 2 plain slots and 4 keys of 2 members, one eth_getStorageAt each, plus the probe's one.
    expect(requester.log.count("eth_getStorageAt")).to.equal(1 + 2 + 4 * 2);

    const fast = await createStorageReader(hre.network.provider).readMapped!(
      address,
      [7n, 8n],
      [group],
      "latest",
    );
    expect(fallback).to.deep.equal(fast);
    expect(fallback.values[0]).to.equal(BigInt(ethers.id("seven")));
    expect(fallback.groups[0]!.values[3]).to.equal(BigInt(ethers.id("member")));
  });
});
