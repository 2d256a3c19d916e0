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
 */
import { ethers } from "ethers";
import {
  rpcClient,
  RpcTransportError,
  type RpcCall,
  type RpcEndpoint,
  type RpcOutcome,
  type RpcRequester,
} from "../chain/rpc";
import { StorageReadError } from "../layout-errors";
import {
  PROGRAM_BYTES,
  PROGRAM_GAS,
  answerWords,
  readerProgram,
  type MappedPart,
  type PlainPart,
} from "./reader-program";
import { addSlot, slotHex } from "./storage-slots";

/** Most consecutive slots read per mapping key in one pass (a struct of up to 16 slots). */
export const MAX_MAPPED_MEMBERS = 16;

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

/** A part of one call, and for a mapping's part which group and key it starts at. */
type PackedPart = PlainPart | (MappedPart & { group: number; from: number });

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

  const programCall = (address: string, parts: PackedPart[], blockTag: string): RpcCall => {
    const code = readerProgram(parts);
    const gas = `0x${callGas().toString(16)}`;
    // Address, block tag, gas and code are plain hex: JSON needs no escaping for them.
    return {
      method: "eth_call",
      params: [{ to: address, gas }, blockTag, { [address]: { code } }],
      paramsJson: `[{"to":"${address}","gas":"${gas}"},"${blockTag}",{"${address}":{"code":"${code}"}}]`,
    };
  };

  const probe = async (address: string, slot: bigint, blockTag: string): Promise<ReadMode> => {
    const [call, direct, client] = await rawBatch([
      programCall(address, [{ slots: [slot] }], blockTag),
      { method: "eth_getStorageAt", params: [address, slotHex(slot), blockTag] },
      { method: "web3_clientVersion", params: [] },
    ]);
    anvil = typeof client?.result === "string" && client.result.startsWith("anvil");
    if (typeof endpoint === "string") knownAnvil.set(endpoint, anvil);
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

  const ensureMode = async (address: string, slot: bigint, blockTag: string) => {
    if (mode === undefined) remember(await probe(address, slot, blockTag));
  };

  // Packs plain slots and mapping groups into calls of at most ~95% of the call's gas and
  // `maxProgramBytes` of code, splitting a group across calls where needed.
  const packCalls = (slots: bigint[], groups: MappedGroup[]): PackedPart[][] => {
    const budget = (Number(callGas()) * 95) / 100 - PROGRAM_GAS.call;
    const calls: PackedPart[][] = [];
    let parts: PackedPart[] = [];
    let gas = 0;
    let bytes = PROGRAM_BYTES.frame;
    let words = 0;
    const flush = () => {
      if (parts.length > 0) calls.push(parts);
      parts = [];
      gas = 0;
      bytes = PROGRAM_BYTES.frame;
      words = 0;
    };
    // How many of `count` items (gas, code bytes and answer words each) fit in this call.
    const room = (count: number, itemGas: number, itemBytes: number, itemWords: number) => {
      let fit = Math.min(
        count,
        Math.floor((budget - gas - PROGRAM_GAS.part) / itemGas),
        Math.floor((settings.maxProgramBytes - bytes - PROGRAM_BYTES.part) / itemBytes),
      );
      while (
        fit > 0 &&
        gas + fit * itemGas + PROGRAM_GAS.memory(words + fit * itemWords) > budget
      ) {
        fit = Math.floor(fit * 0.9);
      }
      return Math.max(fit, 0);
    };
    const place = (count: number, itemGas: number, itemBytes: number, itemWords: number) => {
      gas += PROGRAM_GAS.part + count * itemGas;
      bytes += PROGRAM_BYTES.part + count * itemBytes;
      words += count * itemWords;
    };
    const full = () => {
      if (parts.length === 0) throw new StorageReadError(label, "a call's gas fits no read");
      flush();
    };

    for (let start = 0; start < slots.length;) {
      const fit = room(slots.length - start, PROGRAM_GAS.read, PROGRAM_BYTES.read, 1);
      if (fit === 0) {
        full();
        continue;
      }
      parts.push({ slots: slots.slice(start, start + fit) });
      place(fit, PROGRAM_GAS.read, PROGRAM_BYTES.read, 1);
      start += fit;
    }
    groups.forEach((group, index) => {
      const { members, keys } = group;
      if (members < 0 || members > MAX_MAPPED_MEMBERS) {
        throw new StorageReadError(label, `a mapping group of ${members} members`);
      }
      const itemGas = PROGRAM_GAS.key + members * PROGRAM_GAS.read;
      const itemBytes = PROGRAM_BYTES.key(members);
      for (let start = 0; start < keys.length;) {
        const fit = room(keys.length - start, itemGas, itemBytes, members + 1);
        if (fit === 0) {
          full();
          continue;
        }
        const taken = keys.slice(start, start + fit);
        parts.push({ base: group.base, keys: taken, members, group: index, from: start });
        place(fit, itemGas, itemBytes, members + 1);
        start += fit;
      }
    });
    flush();
    return calls;
  };

  const readEach = async (address: string, slots: bigint[], blockTag: string) => {
    const results = await batch(
      slots.map((slot) => ({
        method: "eth_getStorageAt",
        params: [address, slotHex(slot), blockTag],
      })),
    );
    return results.map((result) => BigInt(result as string));
  };

  const readMapped = async (
    address: string,
    slots: bigint[],
    groups: MappedGroup[],
    blockTag: string,
  ): Promise<MappedResult> => {
    const out: MappedResult = {
      values: [],
      groups: groups.map((group) => ({
        slots: new Array<string>(group.keys.length),
        values: new Array<bigint>(group.keys.length * group.members),
      })),
    };
    const first = slots[0] ?? groups.find((group) => group.keys.length > 0)?.base;
    if (first === undefined) return out;
    await ensureMode(address, first, blockTag);
    if (mode !== "override") {
      // No state overrides: hash in JavaScript, then read every slot with eth_getStorageAt.
      const wanted = [...slots];
      groups.forEach((group, index) => {
        const target = out.groups[index]!;
        group.keys.forEach((key, k) => {
          const hash = ethers.keccak256(ethers.concat([key, slotHex(group.base)]));
          const slot = BigInt(hash);
          target.slots[k] = hash;
          for (let j = 0; j < group.members; j++) wanted.push(addSlot(slot, BigInt(j)));
        });
      });
      const values = await readEach(address, wanted, blockTag);
      out.values = values.slice(0, slots.length);
      let next = slots.length;
      for (const target of out.groups) {
        for (let v = 0; v < target.values.length; v++) target.values[v] = values[next++]!;
      }
      return out;
    }
    const calls = packCalls(slots, groups);
    // One batch: sending the calls as parallel HTTP requests was measured slower on both nodes.
    const results = await batch(calls.map((parts) => programCall(address, parts, blockTag)));
    results.forEach((result, index) => {
      const parts = calls[index]!;
      const expected = answerWords(parts);
      if (typeof result !== "string" || result.length !== 2 + expected * 64) {
        throw new StorageReadError(
          label,
          `reader program returned ${String(result).slice(0, 20)}…, not ${expected} words`,
        );
      }
      let at = 2;
      const word = () => BigInt(`0x${result.slice((at += 64) - 64, at)}`);
      for (const part of parts) {
        if ("slots" in part) {
          for (let k = 0; k < part.slots.length; k++) out.values.push(word());
          continue;
        }
        const target = out.groups[part.group]!;
        const { members } = part;
        for (let k = part.from; k < part.from + part.keys.length; k++) {
          target.slots[k] = `0x${result.slice(at, (at += 64))}`;
          for (let j = 0; j < members; j++) target.values[k * members + j] = word();
        }
      }
    });
    return out;
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
      if (mode !== "override") return readEach(address, slots, blockTag);
      return (await readMapped(address, slots, [], blockTag)).values;
    },
    async hashPairs(address, pairs, blockTag) {
      if (pairs.length === 0) return [];
      await ensureMode(address, pairs[0]!.slot, blockTag);
      if (mode !== "override") {
        return pairs.map((pair) =>
          BigInt(ethers.keccak256(ethers.concat([pair.key, slotHex(pair.slot)]))),
        );
      }
      // Runs of pairs with one slot become groups of no members: the program answers h alone.
      const groups: MappedGroup[] = [];
      for (const pair of pairs) {
        const last = groups[groups.length - 1];
        if (last !== undefined && last.base === pair.slot) last.keys.push(pair.key);
        else groups.push({ base: pair.slot, keys: [pair.key], members: 0 });
      }
      const result = await readMapped(address, [], groups, blockTag);
      return result.groups.flatMap((group) => group.slots.map((slot) => BigInt(slot)));
    },
  };
}
