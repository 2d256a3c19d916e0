/**
 * A transaction as a journaled effect. The intent names the sender and the nonce before anything
 * is sent, the hash is noted the moment the node accepts it, and the receipt is the outcome. A
 * crash at any point leaves enough in the journal for reconcileTransaction to decide whether the
 * transaction happened, and a fixed nonce means a resend can never apply it twice.
 */
import { ethers, type Signer, type TransactionReceipt, type TransactionResponse } from "ethers";
import type { EffectSpec } from "../../core/effect-types";
import type { StepContext } from "../../core/plan-types";
import { TransactionRevertedError } from "../errors";

/** What is journaled before a transaction is sent. */
export interface TransactionIntent {
  kind: "transaction";
  label: string;
  chainId: number;
  from: string;
  nonce: number;
  /** null for a contract creation. */
  to: string | null;
  data: string;
  /** The block before sending: a reconciliation scans from here for the nonce. */
  fromBlock: number;
}

/** What a mined, successful transaction left behind. */
export interface TransactionOutcome {
  hash: string;
  block: number;
  gasUsed: bigint;
  /** The created contract's address, for a creation. */
  contractAddress?: string;
}

/** What to send. */
export interface TransactionRequest {
  /** Short human name in the journal and messages: "pause()", "upgradeAndCall". */
  label: string;
  /** Omit for a contract creation. */
  to?: string;
  data: string;
}

/** The part of a context that can declare effects (a step's run or a rollback). */
export type EffectHost = Pick<StepContext, "effect">;

/** Turns a successful receipt into an outcome. */
export function outcomeOf(receipt: TransactionReceipt): TransactionOutcome {
  const outcome: TransactionOutcome = {
    hash: receipt.hash,
    block: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
  };
  if (receipt.contractAddress) outcome.contractAddress = receipt.contractAddress;
  return outcome;
}

/** Builds the effect spec of a transaction sent by `signer`. */
export function transactionEffect(
  signer: Signer,
  request: TransactionRequest,
): EffectSpec<TransactionOutcome, TransactionIntent> {
  return {
    // Computed only when the effect is really about to be applied, so a resumed run that
    // re-sends after a "not-applied" reconciliation takes the account's current nonce.
    intent: async (): Promise<TransactionIntent> => {
      const provider = signer.provider as NonNullable<Signer["provider"]>;
      const from = ethers.getAddress(await signer.getAddress());
      const [nonce, block, network] = await Promise.all([
        provider.getTransactionCount(from, "pending"),
        provider.getBlockNumber(),
        provider.getNetwork(),
      ]);
      return {
        kind: "transaction",
        label: request.label,
        chainId: Number(network.chainId),
        from,
        nonce,
        to: request.to === undefined ? null : ethers.getAddress(request.to),
        data: request.data,
        fromBlock: block,
      };
    },
    apply: async (io) => {
      const intent = io.intent;
      let response: TransactionResponse;
      try {
        response = await signer.sendTransaction({
          to: intent.to,
          data: intent.data,
          nonce: intent.nonce,
          chainId: intent.chainId,
        });
      } catch (error) {
        // Gas estimation, or a node that mines on submission (Hardhat's automine), refuses a
        // reverting call before it is sent: nothing happened and the nonce is still free.
        if (isRevert(error))
          throw new TransactionRevertedError(request.label, "not sent", revertReason(error));
        throw error;
      }
      io.note({ hash: response.hash });
      let receipt: TransactionReceipt | null;
      try {
        receipt = await response.wait();
      } catch (error) {
        throw new TransactionRevertedError(request.label, response.hash, revertReason(error));
      }
      if (receipt === null || receipt.status !== 1) {
        throw new TransactionRevertedError(request.label, response.hash, "");
      }
      return outcomeOf(receipt);
    },
  };
}

/** Sends a transaction as a journaled effect of the current step (or rollback). */
export function sendTransaction(
  host: EffectHost,
  key: string,
  signer: Signer,
  request: TransactionRequest,
): Promise<TransactionOutcome> {
  return host.effect(key, transactionEffect(signer, request));
}

function isRevert(error: unknown): boolean {
  const candidate = error as { code?: string; message?: string };
  return candidate.code === "CALL_EXCEPTION" || /revert/i.test(String(candidate.message ?? ""));
}

function revertReason(error: unknown): string {
  const candidate = error as { shortMessage?: string; reason?: string; message?: string };
  return (
    candidate.reason ??
    candidate.shortMessage ??
    String(candidate.message ?? error).split("\n")[0] ??
    ""
  );
}
