import { rpc } from "./local-node";

/**
 * Makes a node mine a block every `intervalMs` instead of one per transaction, as a live chain
 * does: a transaction then takes seconds from send to receipt, and signals land in between.
 */
export async function useIntervalMining(url: string, intervalMs: number): Promise<void> {
  await rpc(url, "evm_setAutomine", [false]);
  await rpc(url, "evm_setIntervalMining", [intervalMs]);
}

/** Back to one block per transaction (the node's default). */
export async function useAutomine(url: string): Promise<void> {
  await rpc(url, "evm_setIntervalMining", [0]);
  await rpc(url, "evm_setAutomine", [true]);
}
