import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { layoutOfBytecode } from "../../../src/evm/storage/contract-layout";
import {
  takeSnapshot,
  snapshotValue,
  type StorageSnapshot,
} from "../../../src/evm/storage/snapshot";
import { diffSnapshots } from "../../../src/evm/storage/snapshot-diff";
import { discoverMappingKeys } from "../../../src/evm/storage/mapping-keys";
import { JS_HASH_LIMIT } from "../../../src/evm/storage/mapping-queue";
import { createStorageReader, type StorageReader } from "../../../src/evm/storage/storage-reader";
import { erc7201Slot, EIP1967_SLOTS } from "../../../src/evm/storage/storage-slots";
import { deploySeededProtocol } from "../../helpers/seeded-protocol";
import { readBook } from "../../../src/aegis/book";
import {
  AEGIS_CONFIGURED_KEYS,
  AEGIS_KEY_SOURCES,
  aegisUpgradeExpectedChanges,
} from "../../../src/aegis/snapshot-keys";
import type { StorageZoo } from "../../../typechain-types";
import { countingRequester } from "./rpc-counter";

async function layoutOf(name: string) {
  const artifact = await hre.artifacts.readArtifact(name);
  return layoutOfBytecode(await readValidations(hre), name, artifact.bytecode).storage;
}

async function deployZoo() {
  const [, a, b] = await hre.ethers.getSigners();
  const zoo = (await hre.ethers.deployContract("StorageZoo")) as unknown as StorageZoo;
  await zoo.seed(a!.address, b!.address);
  return { zoo, address: await zoo.getAddress(), a: a!.address, b: b!.address };
}

const zooKeys = (a: string, b: string) => ({
  balances: [a, b],
  nestedPositions: [a],
  "nestedPositions[*]": ["9"],
  deep: [ethers.id("k")],
  byName: ["alice"],
  names: ["3"],
  "erc7201:aegis.test.Zoo:members": [a],
});

describe("storage snapshots (in-process network)", () => {
  it("computes ERC-7201 and EIP-1967 slots from their formulas", () => {
    expect(erc7201Slot("openzeppelin.storage.Initializable")).to.equal(
      0xf0c57e16840df040f15088dc2f81fe391c3923bec73e23a9662efc9c229c6a00n,
    );
    expect(EIP1967_SLOTS.implementation).to.equal(
      0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbcn,
    );
  });

  it("decodes every kind of storage of StorageZoo", async () => {
    const { address, a, b } = await loadFixture(deployZoo);
    const snapshot = await takeSnapshot({
      endpoint: hre.network.provider,
      address,
      layout: await layoutOf("StorageZoo"),
      mappingKeys: zooKeys(a, b),
    });
    const value = (path: string) => snapshotValue(snapshot, path);
    expect(value("small")).to.equal("7");
    expect(value("flag")).to.equal(true);
    expect(value("owner")).to.equal(a);
    expect(value("mode")).to.equal("Paused");
    expect(value("signedValue")).to.equal("-42");
    expect(value("tag")).to.equal(ethers.id("tag"));
    expect(value("fixedWords[2]")).to.equal("3");
    expect(value("packedFixed[4]")).to.equal("50");
    expect(value("dynamicWords.length")).to.equal("2");
    expect(value("dynamicWords[1]")).to.equal("200");
    expect(value("addresses[1]")).to.equal(b);
    expect(value("shortText")).to.equal("short");
    expect(value("longText")).to.match(/^a string that is longer .* long form$/);
    expect(value("blob")).to.equal("0xdeadbeef");
    expect(value("single.since")).to.equal("6");
    expect(value("single.owner")).to.equal(b);
    expect(value("positions[1].amount")).to.equal("3");
    expect(value("positions[1].active")).to.equal(true);
    expect(value(`balances[${b.toLowerCase()}]`)).to.equal("2000");
    expect(value(`nestedPositions[${a.toLowerCase()}][9].since`)).to.equal("12");
    expect(value(`deep[${ethers.id("k")}].history[1]`)).to.equal("32");
    expect(value(`deep[${ethers.id("k")}].note`)).to.equal("nested note");
    expect(value(`deep[${ethers.id("k")}].position.owner`)).to.equal(b);
    expect(value(`byName["alice"]`)).to.equal("77");
    expect(value("names[3]")).to.equal("three");
    expect(value("grid[1][1]")).to.equal("11");
    expect(value("erc7201:aegis.test.Zoo:counter")).to.equal("99");
    expect(value(`erc7201:aegis.test.Zoo:members[${a.toLowerCase()}]`)).to.equal(true);
    expect(value("erc7201:aegis.test.Zoo:pair[1]")).to.equal(ethers.id("pair"));
    expect(value("eip1967.implementation")).to.equal(ethers.ZeroAddress);
    expect(snapshot.readMode).to.equal("override");
  });

  it("reads the same values with the eth_getStorageAt fallback", async () => {
    const { address, a, b } = await loadFixture(deployZoo);
    const layout = await layoutOf("StorageZoo");
    const params = { address, layout, mappingKeys: zooKeys(a, b) };
    const fast = await takeSnapshot({ ...params, endpoint: hre.network.provider });
    const requester = countingRequester(hre.network.provider);
    const slow = await takeSnapshot({
      ...params,
      endpoint: createStorageReader(requester, { mode: "batch" }),
    });
    expect(fast.readMode).to.equal("override");
    expect(slow.readMode).to.equal("batch");
    // Every slot by eth_getStorageAt, and no reader program at all.
    expect(requester.log.count("eth_call")).to.equal(0);
    expect(requester.log.count("eth_getStorageAt")).to.be.at.least(slow.slotsRead);
    expect(slow.entries).to.deep.equal(fast.entries);
    // A reader without the fused read (the older interface) hashes first, then reads: the
    // same entries in the same order, and the same count of slots read.
    const full = createStorageReader(hre.network.provider);
    const unfused = {
      endpoint: full.endpoint,
      mode: undefined,
      read: full.read,
      batch: full.batch,
      hashPairs: full.hashPairs,
    };
    const twoRounds = await takeSnapshot({ ...params, endpoint: unfused });
    expect(twoRounds.entries).to.deep.equal(fast.entries);
    expect(twoRounds.slotsRead).to.equal(fast.slotsRead);
  });

  it("has hundreds of unfusable entries hashed by the node, one entry per key however written", async () => {
    const { address, a, b } = await loadFixture(deployZoo);
    const layout = await layoutOf("StorageZoo");
    // `names` maps to strings (read after their hash, not fused): 600 keys pass the JavaScript
    // hashing limit. "3" and "0x03" are one key, as are an address in two cases.
    const names = [...Array.from({ length: 600 }, (_, index) => String(index)), "0x03"];
    const keys = { ...zooKeys(a, b), names, balances: [a, a.toLowerCase(), b] };
    const params = { address, layout, mappingKeys: keys };
    const requester = countingRequester(hre.network.provider);
    const reader = createStorageReader(requester);
    await reader.prepare!(address, 0n, "latest");
    requester.log.reset();
    // The node hashes them: one hashPairs of every unfusable entry, answered by one program call.
    const hashing: { pairs: number; calls: string[] }[] = [];
    const spied: StorageReader = Object.create(reader, {
      hashPairs: {
        value: async (...args: Parameters<StorageReader["hashPairs"]>) => {
          const before = requester.log.methods().length;
          const slots = await reader.hashPairs(...args);
          hashing.push({ pairs: args[1].length, calls: requester.log.methods().slice(before) });
          return slots;
        },
      },
    });
    const fast = await takeSnapshot({ ...params, endpoint: spied });
    expect(fast.readMode).to.equal("override");
    // 600 names, one nestedPositions and one deep entry: past the JavaScript hashing limit.
    expect(hashing).to.have.length(1);
    expect(hashing[0]!.pairs).to.equal(602).and.be.greaterThan(JS_HASH_LIMIT);
    expect(hashing[0]!.calls).to.deep.equal(["eth_call"]);
    // Pinning the block, the hashing call, then one call per round (the strings' data and the
    // arrays' elements after their heads and lengths): no eth_getStorageAt, no call split.
    expect(requester.log.methods()).to.deep.equal([
      "eth_chainId",
      "eth_getBlockByNumber",
      "eth_call",
      "eth_call",
      "eth_call",
    ]);
    expect(requester.log.overrideCalls()).to.equal(3);
    const slow = await takeSnapshot({
      ...params,
      endpoint: createStorageReader(hre.network.provider, { mode: "batch" }),
    });
    expect(slow.entries).to.deep.equal(fast.entries);
    const paths = fast.entries.map((entry) => entry.path);
    expect(new Set(paths).size).to.equal(paths.length);
    expect(paths.filter((path) => path.startsWith("names["))).to.have.length(600);
    expect(paths.filter((path) => path.startsWith("balances["))).to.have.length(2);
    expect(snapshotValue(fast, "names[3]")).to.equal("three");
  });

  it("reads plain slots and mapping entries in one fused call, as eth_getStorageAt does", async () => {
    const { address } = await loadFixture(deployZoo);
    const provider = hre.network.provider;
    const keys = [ethers.id("a"), ethers.id("b"), ethers.zeroPadValue(address, 32)];
    const base = 2n ** 256n - 2n;
    const entrySlot = (key: string) =>
      BigInt(ethers.keccak256(ethers.concat([key, ethers.toBeHex(base, 32)])));
    for (const key of keys) {
      for (let member = 0n; member < 2n; member++) {
        const slot = ethers.toBeHex((entrySlot(key) + member) % 2n ** 256n, 32);
        await provider.send("hardhat_setStorageAt", [address, slot, ethers.id(slot)]);
      }
    }
    const requester = countingRequester(provider);
    const reader = createStorageReader(requester);
    await reader.prepare!(address, 0n, "latest");
    requester.log.reset();
    const result = await reader.readMapped!(
      address,
      [0n, 1n],
      [{ base, keys, members: 2 }],
      "latest",
    );
    // One call: plain slots, the keys' hashes and their members, all answered by the node.
    expect(reader.mode).to.equal("override");
    expect(requester.log.methods()).to.deep.equal(["eth_call"]);
    expect(requester.log.overrideCalls()).to.equal(1);
    const direct = async (slot: bigint) =>
      BigInt(await hre.ethers.provider.getStorage(address, slot));
    expect(result.values).to.deep.equal([await direct(0n), await direct(1n)]);
    const group = result.groups[0]!;
    for (const [index, key] of keys.entries()) {
      expect(group.slots[index]).to.equal(ethers.toBeHex(entrySlot(key), 32));
      for (let member = 0n; member < 2n; member++) {
        const value = await direct((entrySlot(key) + member) % 2n ** 256n);
        expect(value).to.not.equal(0n);
        expect(group.values[index * 2 + Number(member)]).to.equal(value);
      }
    }
  });

  it("names every unexpected change with its path, slot, old and new value", async () => {
    const { zoo, address, a, b } = await loadFixture(deployZoo);
    const layout = await layoutOf("StorageZoo");
    const take = (): Promise<StorageSnapshot> =>
      takeSnapshot({ endpoint: hre.network.provider, address, layout, mappingKeys: zooKeys(a, b) });
    const before = await take();
    await zoo.setSmall(8);
    await zoo.setBalance(b, 1);
    await zoo.pushWord(300);
    await zoo.bumpCounter();
    const after = await take();
    const diff = diffSnapshots(before, after, {
      expected: [{ path: "erc7201:aegis.test.Zoo:counter" }, { path: "dynamicWords*" }],
    });
    expect(diff.unexpected.map((c) => [c.path, c.before, c.after])).to.deep.equal([
      ["small", "7", "8"],
      [`balances[${b.toLowerCase()}]`, "2000", "1"],
    ]);
    expect(diff.unexpected[1]!.slot).to.match(/^0x[0-9a-f]{64}$/);
    expect(diff.expected.map((c) => [c.path, c.kind])).to.have.deep.members([
      ["dynamicWords.length", "changed"],
      ["dynamicWords[2]", "added"],
      ["erc7201:aegis.test.Zoo:counter", "changed"],
    ]);
    expect(diff.unmatchedExpectations).to.deep.equal([]);
  });

  describe("on the seeded AEGIS engine", () => {
    async function snapshotEngine(contract: string, blockNumber?: number) {
      const { record } = await loadFixture(deploySeededProtocol);
      return takeSnapshot({
        endpoint: hre.network.provider,
        address: record.proxy,
        layout: await layoutOf(contract),
        contract,
        blockNumber,
        keySources: AEGIS_KEY_SOURCES,
        mappingKeys: AEGIS_CONFIGURED_KEYS,
        fromBlock: record.deployedAt.block,
      });
    }

    it("reads keys of one event written with other argument names, each by its own names", async () => {
      const { record } = await loadFixture(deploySeededProtocol);
      const sources = [
        {
          mapping: "a",
          event: "event Transfer(address indexed from, address indexed to, uint256 value)",
          args: ["to"],
        },
        {
          mapping: "b",
          event: "event Transfer(address indexed src, address indexed dst, uint256 wad)",
          args: ["dst"],
        },
      ];
      const reader = createStorageReader(hre.network.provider);
      const latest = await hre.ethers.provider.getBlockNumber();
      const keys = await discoverMappingKeys(
        reader,
        record.proxy,
        sources,
        record.deployedAt.block,
        latest,
      );
      expect(keys.a!.length).to.be.greaterThan(0);
      expect(keys.b).to.deep.equal(keys.a);
      expect(keys.a!.every((key) => ethers.isAddress(key))).to.equal(true);
    });

    it("finds lenders, vaults and roles from events and agrees with the book", async () => {
      const { location, record } = await loadFixture(deploySeededProtocol);
      const snapshot = await snapshotEngine("AegisEngineV1");
      const book = await readBook(hre.ethers.provider, location, snapshot.block.number);
      const value = (path: string) => snapshotValue(snapshot, path);
      expect(value("liquidity")).to.equal(book.liquidity.toString());
      expect(value("interestMultiplier")).to.equal(book.multiplier.toString());
      expect(value("erc7201:openzeppelin.storage.ERC20:_totalSupply")).to.equal(
        book.totalSupply.toString(),
      );
      for (const [lender, balance] of Object.entries(book.lenders)) {
        expect(
          value(`erc7201:openzeppelin.storage.ERC20:_balances[${lender.toLowerCase()}]`),
        ).to.equal(balance.toString());
      }
      for (const [vault, state] of Object.entries(book.vaults)) {
        expect(value(`vaults[${vault.toLowerCase()}].principal`)).to.equal(
          state.principal.toString(),
        );
      }
      expect(value("eip1967.implementation")).to.equal(record.current.implementation);
      expect(value("eip1967.admin")).to.equal(record.proxyAdmin);
      const admin = `erc7201:openzeppelin.storage.AccessControl:_roles[0x${"00".repeat(32)}].hasRole[${record.owner.toLowerCase()}]`;
      expect(value(admin)).to.equal(true);
    });

    it("sees only the allow-listed changes across V1 -> V2", async () => {
      const { record } = await loadFixture(deploySeededProtocol);
      const before = await snapshotEngine("AegisEngineV1");
      await hre.upgrades.upgradeProxy(
        record.proxy,
        await hre.ethers.getContractFactory("AegisEngineV2"),
        { kind: "transparent", call: { fn: "initializeV2", args: [1] } },
      );
      const after = await takeSnapshot({
        endpoint: hre.network.provider,
        address: record.proxy,
        layout: await layoutOf("AegisEngineV2"),
        mappingKeys: before.mappingKeys,
      });
      const diff = diffSnapshots(before, after, {
        expected: aegisUpgradeExpectedChanges(["newFeatureEnabled"]),
      });
      expect(diff.unexpected).to.deep.equal([]);
      expect(diff.expected.map((c) => c.path)).to.have.members([
        "eip1967.implementation",
        "erc7201:openzeppelin.storage.Initializable:_initialized",
        "newFeatureEnabled",
      ]);
      expect(diff.unmatchedExpectations.map((e) => e.path)).to.deep.equal([
        "erc7201:openzeppelin.storage.Pausable:_paused",
      ]);
    });

    it("reports the corrupting reinitializer's write to M as unexpected", async () => {
      const { record } = await loadFixture(deploySeededProtocol);
      const before = await snapshotEngine("AegisEngineV1");
      await hre.upgrades.upgradeProxy(
        record.proxy,
        await hre.ethers.getContractFactory("AegisEngineV2CorruptingReinitializer"),
        { kind: "transparent", call: { fn: "initializeV2", args: [1] } },
      );
      const after = await takeSnapshot({
        endpoint: hre.network.provider,
        address: record.proxy,
        layout: await layoutOf("AegisEngineV2CorruptingReinitializer"),
        mappingKeys: before.mappingKeys,
      });
      const diff = diffSnapshots(before, after, {
        expected: aegisUpgradeExpectedChanges(["newFeatureEnabled"]),
      });
      expect(diff.unexpected.map((c) => c.path)).to.deep.equal(["interestMultiplier"]);
      const change = diff.unexpected[0]!;
      expect(BigInt(change.after as string)).to.equal(
        BigInt(change.before as string) + BigInt(change.before as string) / 100n,
      );
    });
  });
});
