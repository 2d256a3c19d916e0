/**
 * The EVM's reconcile port: after a crash, decides from the chain whether a journaled
 * transaction happened, so that the engine never sends it twice and never skips it.
 */
import { ethers, type Provider, type TransactionReceipt } from "ethers";
import type { PendingEffect, ReconcileResult } from "../../core/effect-types";
import { TransactionUnreconcilableError } from "../errors";
import { outcomeOf, type TransactionIntent } from "./transaction-effect";

/**
 * Blocks scanned one by one at most, when the node cannot say an account's nonce at an old block
 * (it keeps no history); a longer gap means a human should look.
 */
export const MAX_SCAN_BLOCKS = 5_000;

function hashesOf(notes: unknown[]): string[] {
  return notes
    .map((note) => (note as { hash?: unknown }).hash)
    .filter((hash): hash is string => typeof hash === "string");
}

function verdictOf(receipt: TransactionReceipt): ReconcileResult {
  // A reverted transaction consumed its nonce but changed nothing: send it again.
  return receipt.status === 1
    ? { status: "applied", outcome: outcomeOf(receipt) }
    : { status: "not-applied" };
}

/** Tuning of a reconciliation. */
export interface ReconcileTransactionOptions {
  /** Blocks scanned one by one at most on a node without old state; default MAX_SCAN_BLOCKS. */
  maxScanBlocks?: number;
}

/**
 * Reconciles one pending transaction effect against the chain. It never waits for a block: a
 * transaction still in the mempool makes the run wait ("pending"), and a later resume asks again.
 */
export async function reconcileTransaction(
  provider: Provider,
  effect: PendingEffect,
  options: ReconcileTransactionOptions = {},
): Promise<ReconcileResult> {
  const maxScanBlocks = options.maxScanBlocks ?? MAX_SCAN_BLOCKS;
  const intent = effect.intent as TransactionIntent;
  if (intent?.kind !== "transaction") {
    throw new TransactionUnreconcilableError(
      ethers.ZeroAddress,
      -1,
      `effect ${effect.key} is not a transaction`,
    );
  }
  // 1. The node accepted it and we noted its hash: its receipt (or its place in the mempool) says.
  for (const hash of hashesOf(effect.notes)) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return verdictOf(receipt);
    const transaction = await provider.getTransaction(hash);
    if (transaction === null) continue; // dropped, or replaced: the nonce tells below
    if (transaction.blockNumber === null) {
      return {
        status: "pending",
        awaiting: {
          reason: `transaction ${intent.label} (${hash}) with nonce ${intent.nonce} is waiting in the mempool`,
          condition: { kind: "transaction", hash, from: intent.from, nonce: intent.nonce },
        },
      };
    }
    // Mined a moment ago: the receipt is there now.
    const mined = await provider.getTransactionReceipt(hash);
    if (mined) return verdictOf(mined);
  }
  // 2. No hash (killed between sending and noting it), or its transaction is gone: the nonce tells.
  // Read at one block number, so that the search below looks at the state this read saw.
  const latest = await provider.getBlockNumber();
  const latestNonce = await provider.getTransactionCount(intent.from, latest);
  if (latestNonce <= intent.nonce) {
    const pendingNonce = await provider.getTransactionCount(intent.from, "pending");
    if (pendingNonce > intent.nonce) {
      return {
        status: "pending",
        awaiting: {
          reason: `transaction ${intent.label} with nonce ${intent.nonce} is waiting in the mempool`,
          condition: { kind: "nonce", from: intent.from, nonce: intent.nonce },
        },
      };
    }
    return { status: "not-applied" };
  }
  // 3. The nonce was used: find the transaction that used it, from the block before sending.
  const block = await blockThatUsedNonce(provider, intent, latest);
  if (block === undefined && latest - intent.fromBlock > maxScanBlocks) {
    throw new TransactionUnreconcilableError(
      intent.from,
      intent.nonce,
      `the node keeps no state of old blocks, and more than ${maxScanBlocks} blocks would have to be scanned one by one`,
    );
  }
  const candidates =
    block === undefined
      ? Array.from(
          { length: latest - intent.fromBlock + 1 },
          (_, index) => intent.fromBlock + index,
        )
      : [block];
  for (const number of candidates) {
    const found = await provider.getBlock(number, true);
    const match = found?.prefetchedTransactions.find(
      (tx) => ethers.getAddress(tx.from) === intent.from && tx.nonce === intent.nonce,
    );
    if (!match) continue;
    const sameCall =
      (match.to === null ? null : ethers.getAddress(match.to)) === intent.to &&
      match.data.toLowerCase() === intent.data.toLowerCase();
    // Another transaction took the nonce: ours never happened.
    if (!sameCall) return { status: "not-applied" };
    const receipt = await provider.getTransactionReceipt(match.hash);
    if (receipt) return verdictOf(receipt);
  }
  throw new TransactionUnreconcilableError(
    intent.from,
    intent.nonce,
    block === undefined
      ? "its nonce is used but no block holds it"
      : `its nonce is used in block ${block} but that block does not hold it`,
  );
}

/**
 * The first block after which the account's nonce exceeds the intent's, by bisecting the
 * account's nonce between the block before sending and the latest: a few calls, however many
 * blocks were mined since. Undefined when the node keeps no state of old blocks (a pruned node);
 * the caller then scans block by block.
 */
async function blockThatUsedNonce(
  provider: Provider,
  intent: TransactionIntent,
  latest: number,
): Promise<number | undefined> {
  // Invariant: the nonce is used at `high` and not yet at `low - 1`.
  let low = Math.max(0, Math.min(intent.fromBlock, latest));
  let high = latest;
  try {
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if ((await provider.getTransactionCount(intent.from, middle)) > intent.nonce) high = middle;
      else low = middle + 1;
    }
  } catch {
    return undefined;
  }
  return high;
}
