/**
 * The block a snapshot is taken at, pinned once before anything is read: every later request
 * names it by number, so a block mined meanwhile changes nothing, and the snapshot records its
 * hash and time. The chain id comes in the same round trip.
 */
import { ethers } from "ethers";
import { StorageReadError } from "../layout-errors";
import type { StorageReader } from "./storage-reader";

/** A pinned block and the chain it is on. */
export interface PinnedBlock {
  chainId: number;
  number: number;
  hash: string;
  timestamp: number;
  /** The block number as a JSON-RPC quantity, the tag every read of the snapshot uses. */
  tag: string;
}

/** Pins `blockNumber` (default the latest); throws AEGIS-E324 for a block that does not exist. */
export async function pinBlock(reader: StorageReader, blockNumber?: number): Promise<PinnedBlock> {
  const [chainIdHex, block] = (await reader.batch([
    { method: "eth_chainId", params: [] },
    {
      method: "eth_getBlockByNumber",
      params: [blockNumber === undefined ? "latest" : ethers.toQuantity(blockNumber), false],
    },
  ])) as [string, { number: string; hash: string; timestamp: string } | null];
  if (!block) {
    throw new StorageReadError(reader.endpoint, `block ${blockNumber ?? "latest"} does not exist`);
  }
  const number = Number(BigInt(block.number));
  return {
    chainId: Number(BigInt(chainIdHex)),
    number,
    hash: block.hash,
    timestamp: Number(BigInt(block.timestamp)),
    tag: ethers.toQuantity(number),
  };
}
