/**
 * Reads many storage slots of one contract at one block, fast.
 *
 * The fast path is an `eth_call` with a state override that gives the target's address the code
 * of a reader program generated for that call (see reader-program.ts): the address keeps its
 * storage, so the program returns the slots it was written for. Mapping entries are read in the
 * same calls: the program hashes each key with its mapping's slot on the node and reads the
 * entry's slots right away, so a snapshot of thousands of balances and structs is one round of a
 * few calls, packed up to the call gas cap and sent as one JSON-RPC batch.
 * A node that refuses state overrides (or answers them wrongly) is detected once, by a probe that
 * compares one slot with `eth_getStorageAt`, and is then read with batches of `eth_getStorageAt`.
 *
 * This file holds the reader's interface, its endpoint and what it remembers per node; the rest
 * is one concept a file: read-mode-probe.ts (which path a node takes), call-packing.ts (a round
 * cut into calls), override-reads.ts (the calls and their answers), fallback-reads.ts (the path
 * without overrides).
 */
import {
  rpcClient,
  RpcTransportError,
  type RpcCall,
  type RpcEndpoint,
  type RpcOutcome,
  type RpcRequester,
} from "../chain/rpc";
import { StorageReadError } from "../layout-errors";
import { hashGroups } from "./call-packing";
import { hashPairsLocally, readEach, readMappedEach } from "./fallback-reads";
import { readMappedByOverride } from "./override-reads";
import { probeReadMode } from "./read-mode-probe";

/** How storage is being read from a node. */
export type ReadMode = "override" | "batch";

export type { RpcCall, RpcEndpoint } from "../chain/rpc";

/** Tuning of the reader; the defaults fit a Hardhat node and anvil. */
export interface StorageReaderOptions {
  /**
   * Gas given to each reading call; calls are packed up to ~95% of it.
   * Default: the Hardhat node's cap (2^24), or `anvilCallGas` on anvil (found by the probe).
   */
  callGas?: bigint;
  /**
   * Gas of each call on anvil, which accepts more than the Hardhat node's cap: a snapshot of
   * ~20,000 slots is then one call (fewer, larger calls measured faster there).
   */
  anvilCallGas?: bigint;
  /**
   * Most code bytes of one call's program. Its hex (twice as many characters) must fit in one
   * request body with room to spare: keep it under half of `maxBodyBytes`.
   */
  maxProgramBytes?: number;
  /** `eth_getStorageAt` requests per JSON-RPC batch in the fallback. */
  readsPerBatch?: number;
  /** Largest request body sent in one HTTP request: anvil refuses bodies over ~2 MiB. */
  maxBodyBytes?: number;
  /** HTTP requests in flight at once. */
  concurrency?: number;
  /** Force a mode instead of probing (tests use it to exercise the fallback). */
  mode?: ReadMode;
}

/** A reader bound to one endpoint; it remembers which mode the node supports. */
export interface StorageReader {
  /** The URL as it may be shown (scheme, host, port, fingerprint), or "in-process". */
  readonly endpoint: string;
  /** The mode in use, once known (after the first read). */
  readonly mode: ReadMode | undefined;
  /** The values of `slots` of `address` at `blockTag`, in the order given. */
  read(address: string, slots: bigint[], blockTag: string): Promise<bigint[]>;
  /** Sends a batch of requests and returns their results in order (throws on any error). */
  batch(calls: RpcCall[]): Promise<unknown[]>;
  /**
   * Learns, once per node, whether it may read with state overrides (probing `slot` of
   * `address`), so that this round trip can overlap others; every read does it when needed.
   */
  prepare?(address: string, slot: bigint, blockTag: string): Promise<void>;
  /** keccak256(key . slot) of every pair (32-byte keys): mapping entry slots, hashed by the node. */
  hashPairs(address: string, pairs: HashPair[], blockTag: string): Promise<bigint[]>;
  /**
   * Plain slots and mapping entries in one pass: for each group, every key's entry slot
   * keccak256(key . base) and the values of its `members` consecutive slots. Optional so that a
   * reader written against the older interface still works (takeSnapshot then hashes and reads).
   */
  readMapped?(
    address: string,
    slots: bigint[],
    groups: MappedGroup[],
    blockTag: string,
  ): Promise<MappedResult>;
}

/** Entries of one mapping read together: 32-byte encoded keys (0x hex), `members` slots each. */
export interface MappedGroup {
  base: bigint;
  keys: string[];
  members: number;
}

/** What readMapped returns: plain values in order; per group, entry slots and their values. */
export interface MappedResult {
  values: bigint[];
  /**
   * Per group: `slots[k]` is key k's entry slot as slotHex writes it (0x, 64 lower-case digits:
   * kept as text, since that is what a snapshot records), `values[k * members + j]` its slot + j.
   */
  groups: { slots: string[]; values: bigint[] }[];
}

/** A 32-byte encoded mapping key (0x hex) and the mapping's slot. */
export interface HashPair {
  key: string;
  slot: bigint;
}

const DEFAULTS = {
  callGas: 16_777_216n,
  anvilCallGas: 60_000_000n,
  maxProgramBytes: 700_000,
  readsPerBatch: 1_000,
  maxBodyBytes: 1_500_000,
  concurrency: 4,
} as const;

// The mode a node supports is a property of the node, not of one reader: remember it per URL.
const knownModes = new Map<string, ReadMode>();
const knownRequesterModes = new WeakMap<RpcRequester, ReadMode>();
// Whether the node is anvil (web3_clientVersion), which takes far more gas per call.
const knownAnvil = new Map<string, boolean>();

/** Creates a reader for an endpoint. */
export function createStorageReader(
  endpoint: RpcEndpoint,
  options: StorageReaderOptions = {},
): StorageReader {
  const settings = { ...DEFAULTS, ...options };
  const client = rpcClient(endpoint);
  const label = client.label;
  let mode: ReadMode | undefined =
    options.mode ??
    (typeof endpoint === "string" ? knownModes.get(endpoint) : knownRequesterModes.get(endpoint));

  const limits = {
    maxBodyBytes: settings.maxBodyBytes,
    maxPerBody: settings.readsPerBatch,
    concurrency: settings.concurrency,
  };
  const rawBatch = (calls: RpcCall[]): Promise<RpcOutcome[]> =>
    client.batch(calls, limits).catch((error: unknown) => {
      if (error instanceof RpcTransportError) throw new StorageReadError(label, error.problem);
      throw error;
    });

  const batch = async (calls: RpcCall[]): Promise<unknown[]> => {
    const outcomes = await rawBatch(calls);
    return outcomes.map((outcome, index) => {
      if (outcome.error !== undefined) {
        throw new StorageReadError(
          label,
          `${calls[index]!.method}: ${outcome.error.message ?? JSON.stringify(outcome.error)}`,
        );
      }
      return outcome.result;
    });
  };

  const remember = (found: ReadMode) => {
    mode = found;
    if (options.mode !== undefined) return;
    if (typeof endpoint === "string") knownModes.set(endpoint, found);
    else knownRequesterModes.set(endpoint, found);
  };

  let anvil = typeof endpoint === "string" ? knownAnvil.get(endpoint) : false;

  const callGas = (): bigint =>
    options.callGas ?? (anvil === true ? settings.anvilCallGas : settings.callGas);

  const ensureMode = async (address: string, slot: bigint, blockTag: string) => {
    if (mode !== undefined) return;
    const found = await probeReadMode(rawBatch, { address, slot, blockTag, gas: callGas() }, label);
    anvil = found.anvil;
    if (typeof endpoint === "string") knownAnvil.set(endpoint, anvil);
    remember(found.mode);
  };

  const readMapped = async (
    address: string,
    slots: bigint[],
    groups: MappedGroup[],
    blockTag: string,
  ): Promise<MappedResult> => {
    const out = emptyMappedResult(groups);
    const first = slots[0] ?? groups.find((group) => group.keys.length > 0)?.base;
    if (first === undefined) return out;
    await ensureMode(address, first, blockTag);
    const request = { address, slots, groups, blockTag };
    if (mode !== "override") return readMappedEach(batch, request, out);
    const limits = { callGas: callGas(), maxProgramBytes: settings.maxProgramBytes };
    return readMappedByOverride(batch, request, limits, label, out);
  };

  return {
    endpoint: label,
    get mode() {
      return mode;
    },
    batch,
    readMapped,
    prepare: ensureMode,
    async read(address, slots, blockTag) {
      if (slots.length === 0) return [];
      await ensureMode(address, slots[0]!, blockTag);
      if (mode !== "override") return readEach(batch, address, slots, blockTag);
      return (await readMapped(address, slots, [], blockTag)).values;
    },
    async hashPairs(address, pairs, blockTag) {
      if (pairs.length === 0) return [];
      await ensureMode(address, pairs[0]!.slot, blockTag);
      if (mode !== "override") return hashPairsLocally(pairs);
      const result = await readMapped(address, [], hashGroups(pairs), blockTag);
      return result.groups.flatMap((group) => group.slots.map((slot) => BigInt(slot)));
    },
  };
}

/** A result of `groups` with room for every key's slot and values, filled by either path. */
function emptyMappedResult(groups: MappedGroup[]): MappedResult {
  return {
    values: [],
    groups: groups.map((group) => ({
      slots: new Array<string>(group.keys.length),
      values: new Array<bigint>(group.keys.length * group.members),
    })),
  };
}
