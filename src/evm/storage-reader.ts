/**
 * Reads many storage slots of one contract at one block, fast.
 *
 * The fast path is one `eth_call` per few thousand slots with a state override that gives the
 * target's address the code of a tiny slot reader: the address keeps its storage, so the reader
 * returns `sload(key)` for every 32-byte key of its calldata. The calls go out in JSON-RPC batches.
 * A node that refuses state overrides (or answers them wrongly) is detected once, by a probe that
 * compares one slot with `eth_getStorageAt`, and is then read with batches of `eth_getStorageAt`.
 */
import { ethers } from "ethers";
import type { RpcRequester } from "./rpc";
import { StorageReadError } from "./layout-errors";
import { slotHex } from "./storage-slots";

/**
 * The slot reader, hand-assembled (no PUSH0, so it runs on any fork from Constantinople on):
 *
 *   00 PUSH1 0x00      i = 0
 *   02 JUMPDEST        loop:
 *   03 DUP1            i, i
 *   04 CALLDATASIZE    size, i, i
 *   05 GT              size > i, i
 *   06 ISZERO          !(size > i), i
 *   07 PUSH1 0x15      end, !(size > i), i
 *   09 JUMPI           i                      (leave the loop when every key was read)
 *   0a DUP1            i, i
 *   0b CALLDATALOAD    key, i
 *   0c SLOAD           value, i
 *   0d DUP2            i, value, i
 *   0e MSTORE          i                      (memory[i] = value: answers line up with keys)
 *   0f PUSH1 0x20      32, i
 *   11 ADD             i + 32
 *   12 PUSH1 0x02      loop, i + 32
 *   14 JUMP
 *   15 JUMPDEST        end:
 *   16 CALLDATASIZE    size
 *   17 PUSH1 0x00      0, size
 *   19 RETURN          return memory[0, size)
 */
export const SLOT_READER_CODE = "0x60005b8036111560155780355481526020016002565b366000f3";

/**
 * The pair hasher, hand-assembled: for every 64-byte (key, slot) pair of its calldata it returns
 * keccak256(key . slot), the slot of a mapping entry, so that the node (native code) hashes
 * thousands of mapping keys instead of JavaScript. SHR needs Constantinople or later.
 *
 *   00 PUSH1 0x00      i = 0
 *   02 JUMPDEST        loop:
 *   03 DUP1            i, i
 *   04 CALLDATASIZE    size, i, i
 *   05 GT              size > i, i
 *   06 ISZERO          !(size > i), i
 *   07 PUSH1 0x23      end, !(size > i), i
 *   09 JUMPI           i
 *   0a PUSH1 0x40      64, i
 *   0c DUP2            i, 64, i
 *   0d PUSH1 0x00      0, i, 64, i
 *   0f CALLDATACOPY    i                      (memory[0, 64) = the pair: scratch space)
 *   10 PUSH1 0x40      64, i
 *   12 PUSH1 0x00      0, 64, i
 *   14 KECCAK256       hash, i
 *   15 DUP2            i, hash, i
 *   16 PUSH1 0x01      1, i, hash, i
 *   18 SHR             i / 2, hash, i
 *   19 PUSH1 0x40      64, i / 2, hash, i
 *   1b ADD             64 + i / 2, hash, i
 *   1c MSTORE          i                      (answers start after the scratch space)
 *   1d PUSH1 0x40      64, i
 *   1f ADD             i + 64
 *   20 PUSH1 0x02      loop, i + 64
 *   22 JUMP
 *   23 JUMPDEST        end:
 *   24 CALLDATASIZE    size
 *   25 PUSH1 0x01      1, size
 *   27 SHR             size / 2
 *   28 PUSH1 0x40      64, size / 2
 *   2a RETURN          return memory[64, 64 + size / 2)
 */
export const PAIR_HASHER_CODE =
  "0x60005b8036111560235760408160003760406000208160011c604001526040016002565b3660011c6040f3";

/** How storage is being read from a node. */
export type ReadMode = "override" | "batch";

/** An endpoint: an HTTP JSON-RPC URL (true batches) or an in-process provider (concurrent sends). */
export type RpcEndpoint = string | RpcRequester;

/** Tuning of the reader; the defaults fit a Hardhat node and anvil. */
export interface StorageReaderOptions {
  /** Keys per `eth_call`: the Hardhat node caps a call at 16,777,216 gas, ~2,650 gas a key. */
  keysPerCall?: number;
  /** Pairs per hashing `eth_call` (~1,100 gas a pair, most of it calldata). */
  pairsPerCall?: number;
  /** Gas given to each reading call. */
  callGas?: bigint;
  /** `eth_getStorageAt` requests per JSON-RPC batch in the fallback. */
  readsPerBatch?: number;
  /** Largest request body sent in one HTTP request: anvil refuses bodies over ~2 MiB. */
  maxBodyBytes?: number;
  /** HTTP requests in flight at once. */
  concurrency?: number;
  /** Force a mode instead of probing (tests use it to exercise the fallback). */
  mode?: ReadMode;
}

/** One JSON-RPC request of a batch. */
export interface RpcCall {
  method: string;
  params: unknown[];
}

/** A reader bound to one endpoint; it remembers which mode the node supports. */
export interface StorageReader {
  /** The URL, or "in-process" for a provider. */
  readonly endpoint: string;
  /** The mode in use, once known (after the first read). */
  readonly mode: ReadMode | undefined;
  /** The values of `slots` of `address` at `blockTag`, in the order given. */
  read(address: string, slots: bigint[], blockTag: string): Promise<bigint[]>;
  /** Sends a batch of requests and returns their results in order (throws on any error). */
  batch(calls: RpcCall[]): Promise<unknown[]>;
  /** keccak256(key . slot) of every pair (32-byte keys): mapping entry slots, hashed by the node. */
  hashPairs(address: string, pairs: HashPair[], blockTag: string): Promise<bigint[]>;
}

/** A 32-byte encoded mapping key (0x hex) and the mapping's slot. */
export interface HashPair {
  key: string;
  slot: bigint;
}

const DEFAULTS = {
  keysPerCall: 4_000,
  pairsPerCall: 5_000,
  callGas: 16_000_000n,
  readsPerBatch: 1_000,
  maxBodyBytes: 1_500_000,
  concurrency: 4,
} as const;

// The mode a node supports is a property of the node, not of one reader: remember it per URL.
const knownModes = new Map<string, ReadMode>();
const knownRequesterModes = new WeakMap<RpcRequester, ReadMode>();

interface Outcome {
  result?: unknown;
  error?: { code?: number; message?: string };
}

/** Creates a reader for an endpoint. */
export function createStorageReader(
  endpoint: RpcEndpoint,
  options: StorageReaderOptions = {},
): StorageReader {
  const settings = { ...DEFAULTS, ...options };
  const label = typeof endpoint === "string" ? endpoint : "in-process";
  let mode: ReadMode | undefined =
    options.mode ??
    (typeof endpoint === "string" ? knownModes.get(endpoint) : knownRequesterModes.get(endpoint));

  const rawBatch = (calls: RpcCall[]): Promise<Outcome[]> =>
    typeof endpoint === "string"
      ? httpBatch(endpoint, calls, settings)
      : requesterBatch(endpoint, calls);

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

  const overrideCall = (address: string, keys: bigint[], blockTag: string): RpcCall => ({
    method: "eth_call",
    params: [
      {
        to: address,
        data: `0x${keys.map((key) => slotHex(key).slice(2)).join("")}`,
        gas: `0x${settings.callGas.toString(16)}`,
      },
      blockTag,
      { [address]: { code: SLOT_READER_CODE } },
    ],
  });

  const probe = async (address: string, slot: bigint, blockTag: string): Promise<ReadMode> => {
    const [call, direct] = await rawBatch([
      overrideCall(address, [slot], blockTag),
      { method: "eth_getStorageAt", params: [address, slotHex(slot), blockTag] },
    ]);
    if (direct?.error !== undefined) {
      throw new StorageReadError(label, `eth_getStorageAt: ${direct.error.message}`);
    }
    const answer = call?.result;
    const agrees =
      call?.error === undefined &&
      typeof answer === "string" &&
      answer.length === 66 &&
      BigInt(answer) === BigInt(direct!.result as string);
    return agrees ? "override" : "batch";
  };

  return {
    endpoint: label,
    get mode() {
      return mode;
    },
    batch,
    async hashPairs(address, pairs, blockTag) {
      if (pairs.length === 0) return [];
      if (mode === undefined) remember(await probe(address, pairs[0]!.slot, blockTag));
      if (mode !== "override") {
        return pairs.map((pair) =>
          BigInt(ethers.keccak256(ethers.concat([pair.key, slotHex(pair.slot)]))),
        );
      }
      const groups = chunk(pairs, settings.pairsPerCall);
      const results = await batch(
        groups.map((group) => ({
          method: "eth_call",
          params: [
            {
              to: address,
              data: `0x${group.map((pair) => pair.key.slice(2) + slotHex(pair.slot).slice(2)).join("")}`,
              gas: `0x${settings.callGas.toString(16)}`,
            },
            blockTag,
            { [address]: { code: PAIR_HASHER_CODE } },
          ],
        })),
      );
      return results.flatMap((result, index) => splitWords(result, groups[index]!.length, label));
    },
    async read(address, slots, blockTag) {
      if (slots.length === 0) return [];
      if (mode === undefined) remember(await probe(address, slots[0]!, blockTag));
      if (mode === "override") {
        const calls = chunk(slots, settings.keysPerCall).map((keys) =>
          overrideCall(address, keys, blockTag),
        );
        const results = await batch(calls);
        return results.flatMap((result, index) => {
          const keys = calls[index]!.params[0] as { data: string };
          return splitWords(result, (keys.data.length - 2) / 64, label);
        });
      }
      const results = await batch(
        slots.map((slot) => ({
          method: "eth_getStorageAt",
          params: [address, slotHex(slot), blockTag],
        })),
      );
      return results.map((result) => BigInt(result as string));
    },
  };
}

function splitWords(result: unknown, count: number, label: string): bigint[] {
  if (typeof result !== "string" || result.length !== 2 + count * 64) {
    throw new StorageReadError(label, `slot reader returned ${String(result).slice(0, 20)}…`);
  }
  const words: bigint[] = new Array(count);
  for (let index = 0; index < count; index++) {
    words[index] = BigInt(`0x${result.slice(2 + index * 64, 66 + index * 64)}`);
  }
  return words;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

async function requesterBatch(requester: RpcRequester, calls: RpcCall[]): Promise<Outcome[]> {
  // An in-process provider has no batch endpoint, and a round trip costs nothing: send them all.
  return Promise.all(
    calls.map((call) =>
      requester.send(call.method, call.params).then(
        (result): Outcome => ({ result }),
        (error: unknown): Outcome => ({
          error: { message: error instanceof Error ? error.message : String(error) },
        }),
      ),
    ),
  );
}

async function httpBatch(
  url: string,
  calls: RpcCall[],
  limits: { maxBodyBytes: number; readsPerBatch: number; concurrency: number },
): Promise<Outcome[]> {
  const { maxBodyBytes, readsPerBatch, concurrency } = limits;
  // Group requests into bodies under the size limit, keeping each request's index as its id.
  const bodies: { text: string; ids: number[] }[] = [];
  let parts: string[] = [];
  let ids: number[] = [];
  let size = 2;
  calls.forEach((call, id) => {
    const part = JSON.stringify({ jsonrpc: "2.0", id, method: call.method, params: call.params });
    if (
      parts.length > 0 &&
      (size + part.length + 1 > maxBodyBytes || parts.length >= readsPerBatch)
    ) {
      bodies.push({ text: `[${parts.join(",")}]`, ids });
      parts = [];
      ids = [];
      size = 2;
    }
    parts.push(part);
    ids.push(id);
    size += part.length + 1;
  });
  if (parts.length > 0) bodies.push({ text: `[${parts.join(",")}]`, ids });

  const outcomes: Outcome[] = new Array(calls.length);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const answers = await postJson(url, body.text);
      if (!Array.isArray(answers)) {
        throw new StorageReadError(url, `batch answered with ${JSON.stringify(answers)}`);
      }
      for (const answer of answers as (Outcome & { id: number })[]) {
        outcomes[answer.id] = answer;
      }
      for (const id of body.ids) {
        if (outcomes[id] === undefined) {
          throw new StorageReadError(url, `no answer to request ${id} of a batch`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  return outcomes;
}

async function postJson(url: string, body: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new StorageReadError(url, cause ?? (error as Error).message);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new StorageReadError(url, `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new StorageReadError(url, `answer is not JSON: ${text.slice(0, 200)}`);
  }
}
