/**
 * A transaction as a journaled effect. The intent names the sender and the nonce before anything
 * is sent, the hash is noted the moment the node accepts it, and the receipt is the outcome. A
 * crash at any point leaves enough in the journal for reconcileTransaction to decide whether the
 * transaction happened, and a fixed nonce means a resend can never apply it twice.
 */
import { ethers, type Signer, type TransactionReceipt, type TransactionResponse } from "ethers";
import { parseDuration } from "../../core/duration";
import type { EffectSpec } from "../../core/effect-types";
import type { StepContext } from "../../core/plan-types";
import { ReceiptTimeoutError, TransactionRevertedError } from "../errors";

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
  /**
   * How long to wait for the receipt once the node accepted the transaction; then the effect
   * fails with AEGIS-E314 and a resume finds out from the chain what happened.
   * Default: receiptTimeoutMs().
   */
  receiptTimeoutMs?: number;
}

/** How long a receipt is waited for when the request does not say: ten minutes. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 10 * 60_000;

/**
 * The receipt timeout of this process: AEGIS_RECEIPT_TIMEOUT (a duration such as 90s or 30m)
 * when set, else DEFAULT_RECEIPT_TIMEOUT_MS. Read when a transaction is sent, so a plan built
 * by code that knows nothing of it still cannot wait forever.
 */
export function receiptTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const configured = env.AEGIS_RECEIPT_TIMEOUT;
  if (configured === undefined || configured.trim() === "") return DEFAULT_RECEIPT_TIMEOUT_MS;
  return parseDuration(configured, "AEGIS_RECEIPT_TIMEOUT");
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
  // Read with the intent, before anything is journaled or sent: a malformed setting fails the
  // step while nothing has happened.
  let timeoutMs = DEFAULT_RECEIPT_TIMEOUT_MS;
  return {
    // Computed only when the effect is really about to be applied, so a resumed run that
    // re-sends after a "not-applied" reconciliation takes the account's current nonce.
    intent: async (): Promise<TransactionIntent> => {
      timeoutMs = request.receiptTimeoutMs ?? receiptTimeoutMs();
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
      // One deadline for the whole effect: a node-managed signer polls until the node shows the
      // transaction back, which a node that lost it never does.
      const deadline = Date.now() + timeoutMs;
      let response: TransactionResponse;
      try {
        response = await withDeadline(
          signer.sendTransaction({
            to: intent.to,
            data: intent.data,
            nonce: intent.nonce,
            chainId: intent.chainId,
          }),
          timeoutMs,
          () => new ReceiptTimeoutError(request.label, undefined, timeoutMs),
        );
      } catch (error) {
        if (error instanceof ReceiptTimeoutError) throw error;
        // Gas estimation, or a node that mines on submission (Hardhat's automine), refuses a
        // reverting call before it is sent: nothing happened and the nonce is still free.
        if (isRevert(error))
          throw new TransactionRevertedError(request.label, "not sent", revertReason(error));
        throw error;
      }
      io.note({ hash: response.hash });
      let receipt: TransactionReceipt | null;
      try {
        const left = Math.max(1, deadline - Date.now());
        receipt = await withDeadline(
          response.wait(1, left),
          // ethers' own timeout stops its polling; this one is for a provider that ignores it.
          left + 1_000,
          () => new ReceiptTimeoutError(request.label, response.hash, timeoutMs),
        ).catch((error: unknown) => {
          if (isTimeout(error))
            throw new ReceiptTimeoutError(request.label, response.hash, timeoutMs);
          throw error;
        });
      } catch (error) {
        if (error instanceof ReceiptTimeoutError) throw error;
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

/**
 * The promise's value, or the error `onTimeout` makes after `ms`. The promise is left to itself
 * (a rejection it gives later is dropped): a CLI task exits when its action returns.
 */
async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** ethers' "wait for transaction timeout". */
function isTimeout(error: unknown): boolean {
  return (error as { code?: string }).code === "TIMEOUT";
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
