import { expect } from "chai";
import { ethers } from "ethers";
import type { PendingEffect } from "../../../src/core/effect-types";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import {
  transactionEffect,
  type TransactionIntent,
} from "../../../src/evm/chain/transaction-effect";
import {
  MAX_SCAN_BLOCKS,
  reconcileTransaction,
} from "../../../src/evm/chain/transaction-reconcile";
import { startAnvilNode } from "../../helpers/anvil-node";
import { rpc, startHardhatNode, type LocalNode } from "../../helpers/local-node";

/** Init code of a contract whose every call reverts (runtime PUSH1 0 PUSH1 0 REVERT). */
const REVERTER_INIT = "0x6005600c60003960056000f360006000fd";
const SOMEONE = "0x00000000000000000000000000000000000a1e15";
const SOMEONE_ELSE = "0x00000000000000000000000000000000000b0b00";

function providerOf(node: LocalNode): ethers.JsonRpcProvider {
  // No cached block number: every branch reads the chain as it is now.
  const provider = new ethers.JsonRpcProvider(node.url, 31337, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  provider.pollingInterval = 50;
  return provider;
}

/** The intent transactionEffect journals for a call, computed by the effect itself. */
async function intentOf(
  signer: ethers.Signer,
  to: string,
  data = "0x",
): Promise<TransactionIntent> {
  const spec = transactionEffect(signer, { label: "call()", to, data });
  return (spec.intent as () => Promise<TransactionIntent>)();
}

/** A pending effect as the engine hands it to the reconcile port after a crash. */
function pending(intent: TransactionIntent, hashes: string[] = []): PendingEffect {
  return {
    stepId: "plan#step",
    key: "tx",
    scope: "run",
    intent,
    notes: hashes.map((hash) => ({ hash })),
    status: "intent",
  };
}

/** Sends what the intent says, with its nonce, as apply would; returns the hash. */
async function sendIntent(
  signer: ethers.Signer,
  intent: TransactionIntent,
  extra: ethers.TransactionRequest = {},
): Promise<string> {
  const response = await signer.sendTransaction({
    to: intent.to,
    data: intent.data,
    nonce: intent.nonce,
    ...extra,
  });
  return response.hash;
}

describe("transaction reconciliation against a real hardhat node, branch by branch", () => {
  let node: LocalNode;
  let provider: ethers.JsonRpcProvider;
  let signer: ethers.JsonRpcSigner;
  let snapshot: string;

  before(async () => {
    node = await startHardhatNode();
    provider = providerOf(node);
    signer = await provider.getSigner(0);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });
  beforeEach(async () => {
    snapshot = (await rpc(node.url, "evm_snapshot")) as string;
  });
  afterEach(async () => {
    await rpc(node.url, "evm_setAutomine", [true]);
    await rpc(node.url, "evm_revert", [snapshot]);
  });

  it("applied: the noted hash has a successful receipt, which becomes the outcome", async () => {
    const intent = await intentOf(signer, SOMEONE);
    const hash = await sendIntent(signer, intent);
    const result = await reconcileTransaction(provider, pending(intent, [hash]));
    expect(result.status).to.equal("applied");
    expect((result as { outcome: { hash: string } }).outcome.hash).to.equal(hash);
  });

  it("applied without a noted hash (killed between sending and noting it): found by its nonce", async () => {
    const intent = await intentOf(signer, SOMEONE, "0x1234");
    const hash = await sendIntent(signer, intent);
    const result = await reconcileTransaction(provider, pending(intent));
    expect(result).to.deep.include({ status: "applied" });
    expect((result as { outcome: { hash: string } }).outcome.hash).to.equal(hash);
  });

  it("not applied: never sent, the nonce is still free", async () => {
    const intent = await intentOf(signer, SOMEONE);
    expect(await reconcileTransaction(provider, pending(intent))).to.deep.equal({
      status: "not-applied",
    });
  });

  it("pending: still in the mempool (automine off), with and without its hash; applied once mined", async () => {
    await rpc(node.url, "evm_setAutomine", [false]);
    const intent = await intentOf(signer, SOMEONE);
    const hash = await sendIntent(signer, intent);

    const withHash = await reconcileTransaction(provider, pending(intent, [hash]));
    expect(withHash.status).to.equal("pending");
    const awaiting = (withHash as { awaiting: { reason: string; condition: unknown } }).awaiting;
    expect(awaiting.reason).to.contain("mempool").and.to.contain(hash);
    expect(awaiting.condition).to.deep.include({ kind: "transaction", hash, nonce: intent.nonce });

    const withoutHash = await reconcileTransaction(provider, pending(intent));
    expect(withoutHash.status).to.equal("pending");
    expect(
      (withoutHash as { awaiting: { condition: unknown } }).awaiting.condition,
    ).to.deep.include({ kind: "nonce", nonce: intent.nonce });

    await rpc(node.url, "evm_mine");
    const mined = await reconcileTransaction(provider, pending(intent, [hash]));
    expect(mined.status).to.equal("applied");
  });

  it("not applied: the receipt never comes because the node dropped the transaction", async () => {
    await rpc(node.url, "evm_setAutomine", [false]);
    const intent = await intentOf(signer, SOMEONE);
    const hash = await sendIntent(signer, intent);
    await rpc(node.url, "hardhat_dropTransaction", [hash]);
    await rpc(node.url, "evm_mine");
    expect(await reconcileTransaction(provider, pending(intent, [hash]))).to.deep.equal({
      status: "not-applied",
    });
  });

  it("not applied: another transaction took the nonce (a replacement, or a send from elsewhere)", async () => {
    await rpc(node.url, "evm_setAutomine", [false]);
    const intent = await intentOf(signer, SOMEONE, "0xaa");
    const ours = await sendIntent(signer, intent, { gasPrice: ethers.parseUnits("2", "gwei") });
    // The same account, the same nonce, another call and a higher price: it replaces ours.
    await signer.sendTransaction({
      to: SOMEONE_ELSE,
      data: "0xbb",
      nonce: intent.nonce,
      gasPrice: ethers.parseUnits("20", "gwei"),
    });
    await rpc(node.url, "evm_mine");
    expect(await provider.getTransaction(ours)).to.equal(null);
    for (const notes of [[ours], []]) {
      expect(await reconcileTransaction(provider, pending(intent, notes))).to.deep.equal({
        status: "not-applied",
      });
    }
  });

  it("applied: a speed-up of the same call under the same nonce counts as ours", async () => {
    await rpc(node.url, "evm_setAutomine", [false]);
    const intent = await intentOf(signer, SOMEONE, "0xaa");
    const ours = await sendIntent(signer, intent, { gasPrice: ethers.parseUnits("2", "gwei") });
    const faster = await sendIntent(signer, intent, { gasPrice: ethers.parseUnits("20", "gwei") });
    await rpc(node.url, "evm_mine");
    const result = await reconcileTransaction(provider, pending(intent, [ours]));
    expect(result.status).to.equal("applied");
    expect((result as { outcome: { hash: string } }).outcome.hash).to.equal(faster);
  });

  it("not applied: mined but reverted (its nonce is used, nothing changed), with and without its hash", async () => {
    const deployed = await signer.sendTransaction({ data: REVERTER_INIT });
    const reverter = (await deployed.wait())!.contractAddress!;
    await rpc(node.url, "evm_setAutomine", [false]);
    const intent = await intentOf(signer, reverter, "0xdeadbeef");
    // A fixed gas limit skips the estimate, which would refuse a reverting call before sending.
    const hash = await sendIntent(signer, intent, { gasLimit: 100_000 });
    await rpc(node.url, "evm_mine");
    expect((await provider.getTransactionReceipt(hash))!.status).to.equal(0);
    for (const notes of [[hash], []]) {
      expect(await reconcileTransaction(provider, pending(intent, notes))).to.deep.equal({
        status: "not-applied",
      });
    }
  });

  it("finds its transaction in a long block range by bisecting the account's nonce, not block by block", async () => {
    const intent = await intentOf(signer, SOMEONE, "0x77");
    // Far more blocks than a block-by-block scan is allowed (MAX_SCAN_BLOCKS) between the
    // intent and the transaction. (Blocks reserved by hardhat_mine after a transaction report
    // the account's old nonce, a quirk of the Hardhat node: real blocks follow it here.)
    await rpc(node.url, "hardhat_mine", [ethers.toQuantity(3 * MAX_SCAN_BLOCKS)]);
    const hash = await sendIntent(signer, intent);
    await rpc(node.url, "evm_mine");
    await rpc(node.url, "evm_mine");
    const started = performance.now();
    const result = await reconcileTransaction(provider, pending(intent));
    const elapsed = performance.now() - started;
    expect(result.status).to.equal("applied");
    expect((result as { outcome: { hash: string; block: number } }).outcome).to.deep.include({
      hash,
      block: intent.fromBlock + 3 * MAX_SCAN_BLOCKS + 1,
    });
    // About 15 nonce reads and one block: well under a second locally, generous here.
    expect(elapsed).to.be.lessThan(10_000);
  });
});

describe("transaction reconciliation on a node that keeps no state of old blocks (anvil --prune-history)", () => {
  let node: LocalNode;
  let provider: ethers.JsonRpcProvider;
  let signer: ethers.JsonRpcSigner;

  before(async () => {
    node = await startAnvilNode(["--prune-history", "4"]);
    provider = providerOf(node);
    signer = await provider.getSigner(0);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("scans the blocks one by one when there are few, and says why it cannot when there are too many", async () => {
    const intent = await intentOf(signer, SOMEONE, "0x01");
    await rpc(node.url, "anvil_mine", [ethers.toQuantity(12)]);
    const hash = await sendIntent(signer, intent);
    await rpc(node.url, "anvil_mine", [ethers.toQuantity(12)]);
    const oldState = await provider.getTransactionCount(intent.from, intent.fromBlock).then(
      () => "kept",
      () => "pruned",
    );
    expect(oldState, "the node must really have pruned the old state").to.equal("pruned");
    const found = await reconcileTransaction(provider, pending(intent), { maxScanBlocks: 30 });
    expect((found as { outcome: { hash: string } }).outcome.hash).to.equal(hash);

    // Mining thousands of blocks on anvil takes minutes: a lower limit shows the same refusal.
    const error = await reconcileTransaction(provider, pending(intent), { maxScanBlocks: 20 }).then(
      () => undefined,
      (thrown: unknown) => thrown as { code?: string; message?: string },
    );
    expect(error?.code).to.equal(EVM_ERROR_CODES.TRANSACTION_UNRECONCILABLE);
    expect(error?.message).to.contain("keeps no state of old blocks");
  });
});
