/**
 * The EVM's reconcile port: after a crash, decides from the chain whether a journaled
 * transaction happened, so that the engine never sends it twice and never skips it.
 */
import { ethers, type Provider, type TransactionReceipt } from "ethers";
import type { PendingEffect, ReconcileResult } from "../../core/effect-types";
import { TransactionUnreconcilableError } from "../errors";
import { outcomeOf, type TransactionIntent } from "./transaction-effect";

/** Blocks scanned for a nonce at most; a longer gap means a human should look. */
const MAX_SCAN_BLOCKS = 5_000;

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

/** Reconciles one pending transaction effect against the chain. */
export async function reconcileTransaction(
  provider: Provider,
  effect: PendingEffect,
): Promise<ReconcileResult> {
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
    if (transaction) {
      const mined = await transaction.wait().catch(() => null);
      const minedReceipt = mined ?? (await provider.getTransactionReceipt(hash));
      if (minedReceipt) return verdictOf(minedReceipt);
    }
  }
  // 2. No hash (killed between sending and noting it): the account's nonce tells.
  const latestNonce = await provider.getTransactionCount(intent.from, "latest");
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
  const latest = await provider.getBlockNumber();
  if (latest - intent.fromBlock > MAX_SCAN_BLOCKS) {
    throw new TransactionUnreconcilableError(
      intent.from,
      intent.nonce,
      `more than ${MAX_SCAN_BLOCKS} blocks to scan`,
    );
  }
  for (let number = intent.fromBlock; number <= latest; number++) {
    const block = await provider.getBlock(number, true);
    const match = block?.prefetchedTransactions.find(
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
    "its nonce is used but no block holds it",
  );
}
