import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { ethers } from "ethers";
import { startHardhatNode, type LocalNode } from "../helpers/local-node";
import { startRpcRelay, type RpcRelay } from "../helpers/rpc-relay";
import { discoverMappingKeys, type KeySource } from "../../src/evm/storage/mapping-keys";
import { keyIndexPath, readKeyIndex } from "../../src/evm/storage/key-index";
import { createStorageReader } from "../../src/evm/storage/storage-reader";

const TRANSFER: KeySource = {
  mapping: "_balances",
  event: "event Transfer(address indexed from, address indexed to, uint256 value)",
  args: ["to"],
};

describe("event scan of mapping keys through a provider's eth_getLogs limits", () => {
  let node: LocalNode;
  let relay: RpcRelay;
  let dir: string;
  let token: ethers.Contract;
  let provider: ethers.JsonRpcProvider;
  const holders: string[] = [];

  /** Mints to `count` new holders, each in its own block followed by `gap` empty blocks. */
  async function mintSpread(count: number, gap: number) {
    for (let index = 0; index < count; index++) {
      const holder = ethers.Wallet.createRandom().address;
      await (await token.getFunction("mint")(holder, 1)).wait();
      await provider.send("hardhat_mine", [ethers.toQuantity(gap)]);
      holders.push(holder);
    }
  }

  before(async () => {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-event-scan-"));
    provider = new ethers.JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 });
    const signer = await provider.getSigner(0);
    const artifact = await hre.artifacts.readArtifact("MockToken");
    const factory = new ethers.ContractFactory(artifact.abi, artifact.bytecode, signer);
    token = (await (await factory.deploy("Token", "TKN")).waitForDeployment()) as ethers.Contract;
    await mintSpread(12, 500);
    // At most 2,000 blocks or 3 logs an answer, and every fourth request rate limited.
    relay = await startRpcRelay(node.url, "ignore", {
      maxRange: 2_000,
      maxResults: 3,
      rateLimitEvery: 4,
    });
  });
  after(async () => {
    provider?.destroy();
    await relay?.stop();
    await node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("finds every key in chunks that shrink on refusals and retries after a 429", async () => {
    const reader = createStorageReader(relay.url, { mode: "batch" });
    const address = await token.getAddress();
    const latest = await provider.getBlockNumber();
    let scan:
      { requests: number; shrinks: number; rateRetries: number; blocks: number } | undefined;
    const indexFile = keyIndexPath(path.join(dir, "localhost", "MockToken.json"));
    const keys = await discoverMappingKeys(reader, address, [TRANSFER], 0, latest, {
      scan: { backoffMs: 5 },
      indexFile,
      onScan: (found) => (scan = found),
    });
    expect([...keys._balances!].sort()).to.deep.equal([...holders].sort());
    expect(scan!.shrinks).to.be.greaterThan(0);
    expect(scan!.rateRetries).to.be.greaterThan(0);
    expect(scan!.blocks).to.equal(latest + 1);
    // Every block was answered exactly once, in order, with no answer wider than the limit.
    const answered = relay.logRequests().answered;
    expect(answered[0]![0]).to.equal(0);
    expect(answered.at(-1)![1]).to.equal(latest);
    for (let index = 1; index < answered.length; index++) {
      expect(answered[index]![0]).to.equal(answered[index - 1]![1] + 1);
    }
    expect(answered.every(([from, to]) => to - from + 1 <= 2_000)).to.equal(true);
    expect(readKeyIndex(indexFile)).to.deep.include({ fromBlock: 0, toBlock: latest });
  });

  it("scans only the blocks its key index has not seen", async () => {
    const reader = createStorageReader(relay.url, { mode: "batch" });
    const address = await token.getAddress();
    const indexFile = keyIndexPath(path.join(dir, "localhost", "MockToken.json"));
    const indexed = readKeyIndex(indexFile)!.toBlock;
    await mintSpread(2, 10);
    const latest = await provider.getBlockNumber();
    const before = relay.logRequests().answered.length;
    let blocks = -1;
    const keys = await discoverMappingKeys(reader, address, [TRANSFER], 0, latest, {
      scan: { backoffMs: 5 },
      indexFile,
      onScan: (found) => (blocks = found.blocks),
    });
    expect(blocks).to.equal(latest - indexed);
    const answered = relay.logRequests().answered.slice(before);
    expect(answered[0]![0]).to.equal(indexed + 1);
    expect([...keys._balances!].sort()).to.deep.equal([...holders].sort());
    expect(holders).to.have.length(14);
    expect(readKeyIndex(indexFile)!.toBlock).to.equal(latest);
  });
});
