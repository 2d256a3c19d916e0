/**
 * One call made by a Safe (1.3.0 / 1.4.1): the SafeTx its owners sign (EIP-712, the Safe's
 * address and chain id in the domain), its hash checked against the Safe's own
 * getTransactionHash, the owners' signatures put in the order the Safe demands (ascending owner
 * address, GS026 otherwise), the execTransaction calldata, and where it stands on chain: found
 * by the Safe's nonce and the transaction hash (its ExecutionSuccess/ExecutionFailure event),
 * never guessed.
 */
import { ethers, type Provider } from "ethers";

export const SAFE_INTERFACE = new ethers.Interface([
  "function nonce() view returns (uint256)",
  "function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) view returns (bytes32)",
  "function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool)",
  "event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)",
  "event ExecutionFailure(bytes32 indexed txHash, uint256 payment)",
]);

/** The EIP-712 type of a Safe transaction (unchanged from 1.3.0 to 1.4.1). */
export const SAFE_TX_TYPES = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/** A plain call from the Safe, no refund: what the checklist asks a Safe to sign. */
export interface SafeTx {
  safe: string;
  chainId: number;
  to: string;
  data: string;
  nonce: number;
}

/** The EIP-712 domain of a Safe. */
export function safeDomain(tx: Pick<SafeTx, "safe" | "chainId">): ethers.TypedDataDomain {
  return { chainId: tx.chainId, verifyingContract: tx.safe };
}

/** The message the owners sign. */
export function safeTxMessage(tx: SafeTx): Record<string, unknown> {
  return {
    to: tx.to,
    value: 0,
    data: tx.data,
    operation: 0,
    safeTxGas: 0,
    baseGas: 0,
    gasPrice: 0,
    gasToken: ethers.ZeroAddress,
    refundReceiver: ethers.ZeroAddress,
    nonce: tx.nonce,
  };
}

/** The Safe transaction hash, computed locally. */
export function safeTxHash(tx: SafeTx): string {
  return ethers.TypedDataEncoder.hash(safeDomain(tx), SAFE_TX_TYPES, safeTxMessage(tx));
}

/** The hash as the Safe itself computes it (to refuse a Safe whose hashing differs). */
export async function onChainSafeTxHash(provider: Provider, tx: SafeTx): Promise<string> {
  const safe = new ethers.Contract(tx.safe, SAFE_INTERFACE, provider);
  const message = safeTxMessage(tx);
  return (await safe
    .getFunction("getTransactionHash")
    .staticCall(...SAFE_TX_TYPES.SafeTx.map((field) => message[field.name]))) as string;
}

/** The Safe's current nonce: the nonce of the next transaction it executes. */
export async function safeNonce(provider: Provider, safe: string): Promise<number> {
  const contract = new ethers.Contract(safe, SAFE_INTERFACE, provider);
  return Number((await contract.getFunction("nonce").staticCall()) as bigint);
}

/** Concatenates owners' 65-byte signatures in ascending owner order, as the Safe checks them. */
export function packSignatures(signatures: Array<{ owner: string; signature: string }>): string {
  const sorted = [...signatures].sort((a, b) =>
    BigInt(a.owner) < BigInt(b.owner) ? -1 : BigInt(a.owner) > BigInt(b.owner) ? 1 : 0,
  );
  return ethers.concat(sorted.map((entry) => entry.signature));
}

/** Calldata of execTransaction with the packed signatures. */
export function execTransactionData(tx: SafeTx, signatures: string): string {
  const message = safeTxMessage(tx);
  return SAFE_INTERFACE.encodeFunctionData("execTransaction", [
    ...SAFE_TX_TYPES.SafeTx.slice(0, 9).map((field) => message[field.name]),
    signatures,
  ]);
}

/** Where a Safe transaction stands: pending (nonce not reached), executed, failed, or its nonce taken by another. */
export type SafeTxState =
  | { state: "pending"; currentNonce: number }
  | { state: "executed"; hash: string; block: number }
  | { state: "failed"; hash: string; block: number }
  | { state: "replaced"; currentNonce: number };

/** Reads the state of `tx` from the Safe's nonce and its execution events (from `fromBlock` on). */
export async function readSafeTxState(
  provider: Provider,
  tx: SafeTx,
  fromBlock: number,
): Promise<SafeTxState> {
  const currentNonce = await safeNonce(provider, tx.safe);
  if (currentNonce <= tx.nonce) return { state: "pending", currentNonce };
  const hash = safeTxHash(tx);
  for (const [event, state] of [
    ["ExecutionSuccess", "executed"],
    ["ExecutionFailure", "failed"],
  ] as const) {
    const logs = await provider.getLogs({
      address: tx.safe,
      topics: [SAFE_INTERFACE.getEvent(event)!.topicHash, hash],
      fromBlock,
    });
    const log = logs[0];
    if (log !== undefined) return { state, hash: log.transactionHash, block: log.blockNumber };
  }
  return { state: "replaced", currentNonce };
}

/**
 * A Safe Transaction Builder file (the Safe{Wallet} app's import format) holding the calls, so
 * the owners review and sign in their usual tool exactly what the run will check for.
 */
export function transactionBuilderJson(params: {
  safe: string;
  chainId: number;
  name: string;
  description: string;
  calls: Array<{ to: string; data: string }>;
}): string {
  return `${JSON.stringify(
    {
      version: "1.0",
      chainId: String(params.chainId),
      createdAt: 0,
      meta: {
        name: params.name,
        description: params.description,
        txBuilderVersion: "1.16.5",
        createdFromSafeAddress: params.safe,
        createdFromOwnerAddress: "",
      },
      transactions: params.calls.map((call) => ({
        to: call.to,
        value: "0",
        data: call.data,
        contractMethod: null,
        contractInputsValues: null,
      })),
    },
    null,
    2,
  )}\n`;
}
