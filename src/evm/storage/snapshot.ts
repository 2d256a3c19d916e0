/**
 * A layout-aware snapshot of one contract's storage at one pinned block: the EIP-1967 slots, then
 * every variable of the layout (linear and ERC-7201 namespaced) decoded by type, down to each
 * struct member, array element, string and configured mapping entry. Slots are read in rounds
 * (a dynamic array's length before its elements), each round in bulk through a StorageReader.
 *
 * This file holds the snapshot's schema and the order of the work; each step is a module:
 * pin-block.ts (the block), mapping-keys.ts (keys from configuration and events), layout-walk.ts
 * (the layout expanded into pending reads), fused-template.ts and mapping-queue.ts (mapping
 * entries hashed and read in bulk), read-round.ts (one round of reads), decode-round.ts and
 * value-decoding.ts (words into entries).
 */
import { ethers } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { hashLayout } from "./contract-layout";
import { decodeRound } from "./decode-round";
import { fusedTemplateCache } from "./fused-template";
import { expandLayout, type WalkContext } from "./layout-walk";
import {
  discoverMappingKeys,
  mergeMappingKeys,
  type KeySource,
  type MappingKeys,
} from "./mapping-keys";
import { drainMappingQueue, newFusedRound, type ReadTarget } from "./mapping-queue";
import { pinBlock } from "./pin-block";
import { readRound } from "./read-round";
import {
  createStorageReader,
  type ReadMode,
  type RpcEndpoint,
  type StorageReader,
  type StorageReaderOptions,
} from "./storage-reader";
import { EIP1967_SLOTS } from "./storage-slots";
import { cachedTypeDescriber } from "./storage-types";

/** The schema id written into every snapshot; bumped on any incompatible change. */
export const SNAPSHOT_SCHEMA = "aegis.storage-snapshot/1";

/** A decoded value: integers as decimal strings, addresses checksummed, bytes as 0x hex. */
export type SnapshotValue = string | boolean;

/** One decoded leaf of storage. */
export interface SnapshotEntry {
  /** e.g. `reserve0`, `vaults[0xabc…].principal` (address keys in lower case), `erc7201:openzeppelin.storage.Pausable:_paused` */
  path: string;
  /** The slot (0x, 32 bytes) the value starts in; a long string's is its length slot. */
  slot: string;
  /** Byte offset within the slot, from its low-order end. */
  offset: number;
  /** Bytes the value occupies (a string's or bytes' length for those). */
  bytes: number;
  /** The Solidity type, e.g. `uint256`, `struct AegisEngineStorage.Vault`'s member type. */
  type: string;
  value: SnapshotValue;
}

/** A snapshot as written to JSON. */
export interface StorageSnapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  chainId: number;
  address: string;
  block: { number: number; hash: string; timestamp: number };
  layout: { contract?: string; hash: string };
  /** How the slots were read: state-override calls or batches of eth_getStorageAt. */
  readMode: ReadMode;
  /** Distinct slots read. */
  slotsRead: number;
  /** The keys every mapping was read for: pass them to the next snapshot to compare like with like. */
  mappingKeys: MappingKeys;
  /** What the snapshot left out (arrays or strings over the size limits). */
  warnings: string[];
  entries: SnapshotEntry[];
}

/** What to snapshot, where, and at which block. */
export interface TakeSnapshotParams {
  /** An HTTP URL, an in-process provider, or a reader already created (it keeps its mode). */
  endpoint: RpcEndpoint | StorageReader;
  address: string;
  layout: StorageLayout;
  /** The contract the layout belongs to, recorded in the snapshot. */
  contract?: string;
  /** The block to read at; default the latest, pinned once before anything is read. */
  blockNumber?: number;
  /** Keys given in configuration, per mapping path pattern. */
  mappingKeys?: MappingKeys;
  /** Events whose arguments are mapping keys; read from `fromBlock` to the pinned block. */
  keySources?: KeySource[];
  fromBlock?: number;
  /** The key index beside the deployment record: events are scanned only past what it saw. */
  keyIndexFile?: string;
  /** Arrays longer than this are cut to their first elements, with a warning. Default 100,000. */
  maxArrayLength?: number;
  /** Strings and bytes longer than this are recorded by length and hash only. Default 65,536. */
  maxBytesLength?: number;
  readerOptions?: StorageReaderOptions;
}

/** Whether the endpoint is a reader already made: it keeps the read mode it found. */
function isReader(endpoint: RpcEndpoint | StorageReader): endpoint is StorageReader {
  return typeof endpoint === "object" && "read" in endpoint && "batch" in endpoint;
}

/**
 * Takes a snapshot of `address` with `layout` at one pinned block: the layout is expanded into
 * pending reads, then read in rounds (each round's answers decoded into entries, or into the
 * next round's reads: array elements after their length, long strings after their head).
 */
export async function takeSnapshot(params: TakeSnapshotParams): Promise<StorageSnapshot> {
  const reader = isReader(params.endpoint)
    ? params.endpoint
    : createStorageReader(params.endpoint, params.readerOptions);
  const address = ethers.getAddress(params.address);
  const { layout } = params;
  const block = await pinBlock(reader, params.blockNumber);
  const target = { reader, address, blockTag: block.tag };
  const mappingKeys = await collectMappingKeys(params, target, block.number);

  const ctx = walkContext(params, mappingKeys);
  const entries: SnapshotEntry[] = [];
  const words = new Map<bigint, bigint>();
  let fusedSlots = 0;
  let round = newFusedRound();
  let frontier = expandLayout(ctx);
  await drainMappingQueue(ctx, round, target, frontier);
  while (frontier.length > 0) {
    const read = await readRound(target, frontier, round, words);
    fusedSlots += read.fusedSlots;
    round = newFusedRound();
    const next = decodeRound(ctx, frontier, words, read.mapped, entries);
    await drainMappingQueue(ctx, round, target, next);
    frontier = next;
  }

  return {
    schema: SNAPSHOT_SCHEMA,
    chainId: block.chainId,
    address,
    block: { number: block.number, hash: block.hash, timestamp: block.timestamp },
    layout: { contract: params.contract, hash: hashLayout(layout) },
    readMode: reader.mode ?? "override",
    slotsRead: words.size + fusedSlots,
    mappingKeys,
    warnings: ctx.warnings,
    entries,
  };
}

/**
 * The configured keys merged with those found in events. The events are read while the reader
 * learns (once per node) whether it may override state: the two round trips overlap.
 */
async function collectMappingKeys(
  params: TakeSnapshotParams,
  target: ReadTarget,
  blockNumber: number,
): Promise<MappingKeys> {
  const { reader, address, blockTag } = target;
  const sources = params.keySources ?? [];
  const [discovered] = await Promise.all([
    sources.length > 0
      ? discoverMappingKeys(reader, address, sources, params.fromBlock ?? 0, blockNumber, {
          indexFile: params.keyIndexFile,
        })
      : {},
    reader.prepare?.(address, EIP1967_SLOTS.implementation, blockTag),
  ]);
  return mergeMappingKeys(params.mappingKeys, discovered);
}

/** The walk of one snapshot: its layout's types (each described once), keys and limits. */
function walkContext(params: TakeSnapshotParams, mappingKeys: MappingKeys): WalkContext {
  const { layout } = params;
  const describe = cachedTypeDescriber(layout);
  const maxArrayLength = BigInt(params.maxArrayLength ?? 100_000);
  return {
    layout,
    describe,
    mappingKeys,
    maxArrayLength,
    maxBytesLength: params.maxBytesLength ?? 65_536,
    templateOf: fusedTemplateCache({ layout, describe, maxArrayLength }),
    mappings: [],
    warnings: [],
  };
}

/** The entry at `path`, or undefined. */
export function snapshotValue(snapshot: StorageSnapshot, path: string): SnapshotValue | undefined {
  return snapshot.entries.find((entry) => entry.path === path)?.value;
}

/** Serialises a snapshot for a file: stable key order, one entry per line for readable diffs. */
export function snapshotToJson(snapshot: StorageSnapshot): string {
  const { entries, ...head } = snapshot;
  const body = entries.map((entry) => `    ${JSON.stringify(entry)}`).join(",\n");
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, "");
  return `${headText},\n  "entries": [\n${body}\n  ]\n}\n`;
}
