import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import { rpc, startHardhatNode, type LocalNode } from "../helpers/local-node";
import { startAnvilNode } from "../helpers/anvil-node";
import { runHardhat } from "../helpers/hardhat-cli";
import { startRpcRelay } from "../helpers/rpc-relay";
import { startCountingRelay, type CountingRelay } from "../evm/storage/rpc-counter";
import { hashGroups, packCalls } from "../../src/evm/storage/call-packing";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { createStorageReader } from "../../src/evm/storage/storage-reader";
import { takeSnapshot } from "../../src/evm/storage/snapshot";
import { readSnapshotFile } from "../../src/evm/storage/snapshot-diff";
import { readBook } from "../../src/aegis/book";
import { AEGIS_KEY_SOURCES } from "../../src/aegis/snapshot-keys";
import type { StorageLayout } from "@openzeppelin/upgrades-core";

// The same checks against both node implementations: each speaks JSON-RPC batches and state
// overrides a little differently, and the reader must get identical values from both. One test
// file per node (snapshot-hardhat-node.test.ts, snapshot-anvil.test.ts), so they run in parallel.
const NODES = {
  "hardhat node": { start: () => startHardhatNode(), setStorage: "hardhat_setStorageAt" },
  anvil: { start: () => startAnvilNode(), setStorage: "anvil_setStorageAt" },
} as const;

/** The snapshot and diff tasks' suite, against one kind of node. */
export function describeSnapshotTasks(kind: keyof typeof NODES): void {
  const { start, setStorage } = NODES[kind];
  describe(`aegis:snapshot and aegis:diff against ${kind}`, () => {
    let node: LocalNode;
    // Forwards to the node unchanged and counts what reaches it, for tests that claim how
    // storage is read (with state overrides, in so many calls).
    let relay: CountingRelay;
    let dir: string;
    const env = () => ({ AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: dir });
    const file = (name: string) => path.join(dir, name);

    before(async () => {
      node = await start();
      relay = await startCountingRelay(node.url);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-snapshot-"));
      const deployed = await runHardhat(
        ["aegis:deploy", "--network", "localhost", "--seed"],
        env(),
      );
      expect(deployed.code, deployed.stderr).to.equal(0);
    });
    after(async () => {
      await relay?.stop();
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("snapshots the seeded engine with state-override calls, as the fallback reads it", async () => {
      // Through the relay: the task's reader probes with one program call, then reads the
      // whole engine (balances, vaults, roles) in one more.
      relay.log.reset();
      const result = await runHardhat(
        ["aegis:snapshot", "--network", "localhost", "--out", file("a.json")],
        { ...env(), AEGIS_LOCALHOST_URL: relay.url },
      );
      expect(result.code, result.stderr).to.equal(0);
      const snapshot = readSnapshotFile(file("a.json"));
      expect(snapshot.readMode).to.equal("override");
      expect(relay.log.overrideCalls()).to.equal(2);
      const record = readDeploymentRecord(
        path.join(dir, "localhost", "AegisEngine.json"),
        "localhost",
      );
      const provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
      const book = await readBook(
        provider,
        {
          proxy: record.proxy,
          token0: record.tokens.token0!,
          token1: record.tokens.token1!,
          fromBlock: record.deployedAt.block,
        },
        snapshot.block.number,
      );
      provider.destroy();
      const value = (p: string) => snapshot.entries.find((entry) => entry.path === p)?.value;
      expect(value("borrowedL")).to.equal(book.borrowedL.toString());
      expect(Object.keys(book.vaults).length).to.be.greaterThan(0);
      for (const [vault, state] of Object.entries(book.vaults)) {
        expect(value(`vaults[${vault.toLowerCase()}].idle1`)).to.equal(state.idle1.toString());
      }
      relay.log.reset();
      const fallback = await takeSnapshot({
        endpoint: createStorageReader(relay.url, { mode: "batch" }),
        address: record.proxy,
        layout: record.layout.storage as StorageLayout,
        contract: record.current.contract,
        blockNumber: snapshot.block.number,
        mappingKeys: snapshot.mappingKeys,
      });
      expect(fallback.readMode).to.equal("batch");
      expect(relay.log.count("eth_call")).to.equal(0);
      expect(relay.log.count("eth_getStorageAt")).to.equal(fallback.slotsRead);
      expect(fallback.entries).to.deep.equal(snapshot.entries);
    });

    for (const behaviour of ["refuse", "ignore"] as const) {
      it(`falls back to eth_getStorageAt by itself behind a node that would ${behaviour} state overrides`, async () => {
        const record = readDeploymentRecord(
          path.join(dir, "localhost", "AegisEngine.json"),
          "localhost",
        );
        const params = {
          address: record.proxy,
          layout: record.layout.storage as StorageLayout,
          keySources: AEGIS_KEY_SOURCES,
          fromBlock: record.deployedAt.block,
        };
        const direct = await takeSnapshot({ ...params, endpoint: node.url });
        const relay = await startRpcRelay(node.url, behaviour);
        try {
          const relayed = await takeSnapshot({
            ...params,
            endpoint: relay.url,
            blockNumber: direct.block.number,
          });
          expect(direct.readMode).to.equal("override");
          expect(relayed.readMode).to.equal("batch");
          // One probe, then no more override calls: the reader remembered what the node does.
          expect(relay.overridesSeen()).to.equal(1);
          expect(Object.keys(relayed.mappingKeys)).to.include("vaults");
          expect(relayed.entries).to.deep.equal(direct.entries);
          expect(relayed.slotsRead).to.equal(direct.slotsRead);
        } finally {
          await relay.stop();
        }
      });
    }

    it("reads mapping entries with the fused reader exactly as eth_getStorageAt does", async () => {
      // Values written at the entry slots of made-up mappings (one a plain value, one a
      // 3-slot struct, one the reader's 16-slot limit), read back in one fused pass, with
      // calls packed small enough that groups split across calls, and by the fallback.
      const target = ethers.getAddress(ethers.dataSlice(ethers.id("fused-target"), 12));
      const keys = Array.from({ length: 40 }, (_, index) => ethers.id(`key-${index}`));
      const groups = [
        { base: 3n, keys: keys.slice(0, 10), members: 1 },
        { base: 2n ** 255n + 9n, keys: keys.slice(10, 35), members: 3 },
        { base: 77n, keys: keys.slice(35), members: 16 },
      ];
      const plain = [0n, 5n, 2n ** 256n - 1n];
      const slotOf = (key: string, base: bigint) =>
        BigInt(ethers.keccak256(ethers.concat([key, ethers.toBeHex(base, 32)])));
      const writes: [bigint, string][] = plain.map((slot) => [slot, ethers.id(`plain-${slot}`)]);
      for (const group of groups) {
        for (const key of group.keys) {
          const slot = slotOf(key, group.base);
          for (let member = 0; member < group.members; member += 2) {
            writes.push([(slot + BigInt(member)) % 2n ** 256n, ethers.id(`${key}-${member}`)]);
          }
        }
      }
      for (const [slot, value] of writes) {
        await rpc(node.url, setStorage, [target, ethers.toBeHex(slot, 32), value]);
      }
      await rpc(node.url, "evm_mine");
      const block = (await rpc(node.url, "eth_blockNumber")) as string;
      const direct = async (slot: bigint) =>
        BigInt(
          (await rpc(node.url, "eth_getStorageAt", [
            target,
            ethers.toBeHex(slot, 32),
            block,
          ])) as string,
        );

      // Counted on their way to the node: the calls the packing makes of this round (several,
      // at this gas), all sent in one HTTP body, with no eth_getStorageAt behind them.
      const limits = { callGas: 300_000n, maxProgramBytes: 700_000 };
      const reader = createStorageReader(relay.url, { callGas: limits.callGas });
      await reader.prepare!(target, 0n, block);
      expect(reader.mode).to.equal("override");
      relay.log.reset();
      const fused = await reader.readMapped!(target, plain, groups, block);
      const packed = packCalls(plain, groups, limits, relay.url).length;
      expect(packed).to.be.greaterThan(1);
      expect(relay.log.methods()).to.deep.equal(Array.from({ length: packed }, () => "eth_call"));
      expect(relay.log.overrideCalls()).to.equal(packed);
      expect(relay.log.bodies()).to.equal(1);
      const fallback = await createStorageReader(node.url, { mode: "batch" }).readMapped!(
        target,
        plain,
        groups,
        block,
      );
      expect(fallback).to.deep.equal(fused);
      for (const [index, slot] of plain.entries()) {
        expect(fused.values[index]).to.equal(await direct(slot));
      }
      for (const [index, group] of groups.entries()) {
        const read = fused.groups[index]!;
        for (const [k, key] of group.keys.entries()) {
          const slot = slotOf(key, group.base);
          expect(read.slots[k]).to.equal(ethers.toBeHex(slot, 32));
          for (let member = 0; member < group.members; member++) {
            const value = await direct((slot + BigInt(member)) % 2n ** 256n);
            expect(read.values[k * group.members + member]).to.equal(value);
          }
        }
      }
      expect(fused.values.some((value) => value !== 0n)).to.equal(true);
      // Entry slots alone (the program's mapping parts of no members), bases interleaved.
      const pairs = keys.map((key, index) => ({ key, slot: groups[index % 3]!.base }));
      relay.log.reset();
      const hashed = await reader.hashPairs(target, pairs, block);
      expect(hashed).to.deep.equal(pairs.map((pair) => slotOf(pair.key, pair.slot)));
      const hashCalls = packCalls([], hashGroups(pairs), limits, relay.url).length;
      expect(relay.log.overrideCalls()).to.equal(hashCalls);
      expect(relay.log.requests()).to.have.length(hashCalls);
      expect(relay.log.bodies()).to.equal(1);
    });

    it("diffs two snapshots: unexpected changes fail, allow-listed ones pass", async () => {
      const take = (out: string) =>
        runHardhat(["aegis:snapshot", "--network", "localhost", "--out", file(out)], env());
      expect((await take("b1.json")).code).to.equal(0);
      // The pauser (the deployer, account 0) pauses: one flag in Pausable's namespace changes.
      const record = readDeploymentRecord(
        path.join(dir, "localhost", "AegisEngine.json"),
        "localhost",
      );
      const accounts = (await rpc(node.url, "eth_accounts")) as string[];
      await rpc(node.url, "eth_sendTransaction", [
        { from: accounts[0], to: record.proxy, data: ethers.id("pause()").slice(0, 10) },
      ]);
      expect((await take("b2.json")).code).to.equal(0);

      const strict = await runHardhat(["aegis:diff", file("b1.json"), file("b2.json")], env());
      expect(strict.code).to.equal(1);
      expect(strict.stdout).to.contain("UNEXPECTED erc7201:openzeppelin.storage.Pausable:_paused");
      const allowed = await runHardhat(
        [
          "aegis:diff",
          file("b1.json"),
          file("b2.json"),
          "--expect",
          "erc7201:openzeppelin.storage.Pausable:_paused",
        ],
        env(),
      );
      expect(allowed.code, allowed.stdout + allowed.stderr).to.equal(0);
    });

    it("refuses an EOA, an unknown contract and a file that is not a snapshot, with codes", async () => {
      const accounts = (await rpc(node.url, "eth_accounts")) as string[];
      fs.writeFileSync(file("junk.json"), JSON.stringify({ schema: "other" }));
      // Three users' mistakes, independent of each other: run side by side.
      const [eoa, unknown, junk] = await Promise.all([
        runHardhat(["aegis:snapshot", "--network", "localhost", "--target", accounts[3]!], env()),
        runHardhat(
          ["aegis:snapshot", "--network", "localhost", "--contract", "NoSuchEngine"],
          env(),
        ),
        runHardhat(["aegis:diff", file("junk.json"), file("junk.json")], env()),
      ]);
      expect(eoa.code).to.equal(1);
      expect(eoa.stderr).to.match(/^AEGIS-E305 /);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.match(/^AEGIS-E306 /);
      expect(junk.code).to.equal(1);
      expect(junk.stderr).to.match(/^AEGIS-E326 /);
    });
  });
}
