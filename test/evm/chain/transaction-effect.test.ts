import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import { ERROR_CODES } from "../../../src/core/error-codes";
import type { Plan } from "../../../src/core/plan-types";
import { resumeRun } from "../../../src/core/resume-run";
import { runPlan } from "../../../src/core/run-plan";
import { findStep } from "../../../src/core/run-state";
import { EVM_ERROR_CODES } from "../../../src/evm/error-codes";
import {
  DEFAULT_RECEIPT_TIMEOUT_MS,
  receiptTimeoutMs,
  sendTransaction,
} from "../../../src/evm/chain/transaction-effect";
import { reconcileTransaction } from "../../../src/evm/chain/transaction-reconcile";
import { rpc, startHardhatNode, type LocalNode } from "../../helpers/local-node";

const SOMEONE = "0x00000000000000000000000000000000000a1e15";

describe("a transaction as a journaled effect: a receipt that never comes", () => {
  let node: LocalNode;
  let provider: ethers.JsonRpcProvider;
  let signer: ethers.JsonRpcSigner;
  let dir: string;

  /** One step that sends one transaction, reconciled by the EVM's port. */
  const planOf = (receiptTimeout: number): Plan => ({
    id: "send",
    hashInput: { to: SOMEONE },
    steps: [
      {
        id: "transfer",
        phase: "execute",
        changesTarget: true,
        undo: { irreversible: "a test transaction" },
        run: (ctx) =>
          sendTransaction(ctx, "transfer-tx", signer, {
            label: "transfer()",
            to: SOMEONE,
            data: "0x",
            receiptTimeoutMs: receiptTimeout,
          }),
      },
    ],
    reconcile: (effect) => reconcileTransaction(provider, effect),
  });

  before(async () => {
    node = await startHardhatNode();
    provider = new ethers.JsonRpcProvider(node.url, 31337, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    provider.pollingInterval = 50;
    signer = await provider.getSigner(0);
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-tx-effect-"));
  });
  afterEach(async () => {
    await rpc(node.url, "evm_setAutomine", [true]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fails the step with AEGIS-E314 after the timeout instead of hanging; a resume waits while it sits in the mempool, then takes its receipt without sending it again", async () => {
    const from = await signer.getAddress();
    const nonceBefore = await provider.getTransactionCount(from, "latest");
    await rpc(node.url, "evm_setAutomine", [false]);
    const plan = planOf(1_500);

    const started = performance.now();
    const failed = await runPlan({ plan, baseDir: dir, autoRollback: false });
    expect(failed.status).to.equal("failed");
    expect(failed.failure?.error.code).to.equal(EVM_ERROR_CODES.RECEIPT_TIMEOUT);
    expect(failed.failure?.error.hint).to.contain("resume");
    expect(performance.now() - started).to.be.lessThan(30_000);
    const [effect] = findStep(failed.state, "send#transfer")!.effects;
    const hash = (effect!.notes[0] as { hash: string }).hash;
    expect(failed.failure?.error.message).to.contain(hash);

    // Still in the mempool: the run waits rather than sending again or calling it lost.
    const waiting = await resumeRun({ plan, baseDir: dir, runId: failed.runId });
    expect(waiting.status).to.equal("waiting");
    expect(waiting.awaiting?.reason).to.contain("mempool").and.to.contain(hash);

    await rpc(node.url, "evm_mine");
    const done = await resumeRun({ plan, baseDir: dir, runId: failed.runId });
    expect(done.status).to.equal("completed");
    const settled = findStep(done.state, "send#transfer")!.effects[0]!;
    expect(settled).to.deep.include({ status: "applied", resolvedBy: "reconcile", attempts: 1 });
    expect((settled.outcome as { hash: string }).hash).to.equal(hash);
    // Sent exactly once.
    expect(await provider.getTransactionCount(from, "latest")).to.equal(nonceBefore + 1);
  });

  it("a dropped transaction is sent again under a new intent on resume", async () => {
    await rpc(node.url, "evm_setAutomine", [false]);
    const plan = planOf(1_000);
    const failed = await runPlan({ plan, baseDir: dir, autoRollback: false });
    expect(failed.failure?.error.code).to.equal(EVM_ERROR_CODES.RECEIPT_TIMEOUT);
    const first = findStep(failed.state, "send#transfer")!.effects[0]!;
    await rpc(node.url, "hardhat_dropTransaction", [(first.notes[0] as { hash: string }).hash]);

    await rpc(node.url, "evm_setAutomine", [true]);
    const done = await resumeRun({ plan, baseDir: dir, runId: failed.runId });
    expect(done.status).to.equal("completed");
    const settled = findStep(done.state, "send#transfer")!.effects[0]!;
    expect(settled).to.deep.include({ status: "applied", resolvedBy: "apply", attempts: 2 });
  });

  it("a node that takes the transaction and loses it before showing it back: AEGIS-E314 instead of polling forever, then sent again", async () => {
    // A node loses a transaction from its mempool between accepting it and the signer's first
    // look-up (an eviction, or a load balancer's other backend): this relay drops the first one.
    let dropped = false;
    const server = http.createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", async () => {
        const body = Buffer.concat(chunks).toString();
        const answer = await fetch(node.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }).then((response) => response.text());
        if (!dropped && body.includes('"eth_sendTransaction"')) {
          dropped = true;
          await rpc(node.url, "hardhat_dropTransaction", [JSON.parse(answer).result]);
        }
        outgoing.end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const relayed = new ethers.JsonRpcProvider(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      31337,
      { staticNetwork: true, cacheTimeout: -1 },
    );
    relayed.pollingInterval = 50;
    const original = signer;
    try {
      signer = await relayed.getSigner(0);
      await rpc(node.url, "evm_setAutomine", [false]);
      const plan = planOf(1_500);
      const failed = await runPlan({ plan, baseDir: dir, autoRollback: false });
      expect(failed.failure?.error.code).to.equal(EVM_ERROR_CODES.RECEIPT_TIMEOUT);
      expect(failed.failure?.error.message).to.contain("did not show it back");
      expect(findStep(failed.state, "send#transfer")!.effects[0]!.notes).to.deep.equal([]);

      await rpc(node.url, "evm_setAutomine", [true]);
      const done = await resumeRun({ plan, baseDir: dir, runId: failed.runId });
      expect(done.status).to.equal("completed");
      expect(findStep(done.state, "send#transfer")!.effects[0]).to.deep.include({
        status: "applied",
        attempts: 2,
      });
    } finally {
      signer = original;
      relayed.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("takes its timeout from AEGIS_RECEIPT_TIMEOUT, ten minutes without it, and refuses a malformed one before any intent", async () => {
    expect(receiptTimeoutMs({})).to.equal(DEFAULT_RECEIPT_TIMEOUT_MS);
    expect(receiptTimeoutMs({ AEGIS_RECEIPT_TIMEOUT: "90s" })).to.equal(90_000);
    expect(receiptTimeoutMs({ AEGIS_RECEIPT_TIMEOUT: "30m" })).to.equal(30 * 60_000);
    expect(() => receiptTimeoutMs({ AEGIS_RECEIPT_TIMEOUT: "soon" }))
      .to.throw()
      .with.property("code", ERROR_CODES.INVALID_DURATION);

    const from = await signer.getAddress();
    const nonceBefore = await provider.getTransactionCount(from, "pending");
    const saved = process.env.AEGIS_RECEIPT_TIMEOUT;
    process.env.AEGIS_RECEIPT_TIMEOUT = "soon";
    try {
      const plan = planOf(1_000);
      // The request's own timeout wins; without it the malformed setting fails the step.
      (plan.steps[0] as { run: Plan["steps"][number]["run"] }).run = (ctx) =>
        sendTransaction(ctx, "transfer-tx", signer, {
          label: "transfer()",
          to: SOMEONE,
          data: "0x",
        });
      const failed = await runPlan({ plan, baseDir: dir, autoRollback: false });
      expect(failed.failure?.error.code).to.equal(ERROR_CODES.INVALID_DURATION);
      // Nothing was journaled as an intent, so nothing needs reconciling.
      expect(findStep(failed.state, "send#transfer")!.effects).to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.AEGIS_RECEIPT_TIMEOUT;
      else process.env.AEGIS_RECEIPT_TIMEOUT = saved;
    }
    expect(await provider.getTransactionCount(from, "pending")).to.equal(nonceBefore);
  });
});
