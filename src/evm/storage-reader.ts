/**
 * Reads many storage slots of one contract at one block, fast.
 *
 * The fast path is one `eth_call` per few thousand slots with a state override that gives the
 * target's address the code of a tiny slot reader: the address keeps its storage, so the reader
 * returns `sload(key)` for every 32-byte key of its calldata. The calls go out in JSON-RPC batches.
 * Mapping entries go through the fused reader instead (readMapped): it hashes each key with its
 * mapping's slot on the node and reads the entry's slots in the same call, so a snapshot of
 * thousands of balances and structs is one round of a few calls, packed up to the call gas cap.
 * A node that refuses state overrides (or answers them wrongly) is detected once, by a probe that
 * compares one slot with `eth_getStorageAt`, and is then read with batches of `eth_getStorageAt`.
 */
import { ethers } from "ethers";
import type { RpcRequester } from "./rpc";
import { StorageReadError } from "./layout-errors";
import { addSlot, slotHex } from "./storage-slots";

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

/**
 * The fused reader, hand-assembled: reads plain slots and mapping entries in one call, hashing each
 * entry's slot on the node (native keccak) right before reading it, so that a mapping entry costs
 * one round instead of a hashing round and a reading round. Its calldata is a run of groups:
 *
 *   header (n << 128 | m, n >= 1), then
 *     m = 0:       n slots              -> n words: sload(slot)
 *     1 <= m <= 16: base, n 32-byte keys -> per key m + 1 words: h = keccak256(key . base),
 *                                         sload(h), sload(h + 1), ..., sload(h + m - 1)
 *
 * (m consecutive slots per key: a struct's members). Answers are appended at MSIZE after the
 * 64-byte keccak scratch space, in calldata order. The per-key reads are an unrolled table entered
 * m blocks before its end (no loop counter), so a word costs its SLOAD and a few opcodes. On the
 * Hardhat node an SLOAD takes about 12 µs against about 0.5 µs for other opcodes (measured), so
 * the reads themselves dominate: 20,000 of them take ~240 ms there. SHL/SHR need
 * Constantinople; no PUSH0, so it runs before Shanghai too.
 *
 *   02 PUSH1 0x20      32, 0
 *   04 MSTORE          (memory[32, 64) = 0: MSIZE is 64 now, and each answer is stored at MSIZE)
 *   05 PUSH1 0x00      p = 0
 *   07 JUMPDEST        group:             p
 *   08 DUP1            p, p
 *   09 CALLDATASIZE    size, p, p
 *   0a GT              size > p, p
 *   0b ISZERO          p >= size, p
 *   0c PUSH1 0xf5      done, p >= size, p
 *   0e JUMPI           p                  (leave when every group was read)
 *   0f DUP1            p, p
 *   10 CALLDATALOAD    header, p         (header = n << 128 | m, n >= 1)
 *   11 DUP1            header, header, p
 *   12 PUSH1 0x80      128, header, header, p
 *   14 SHR             n, header, p
 *   15 PUSH1 0x05      5, n, header, p
 *   17 SHL             32n, header, p
 *   18 SWAP1           header, 32n, p
 *   19 PUSH2 0xffff    0xffff, header, 32n, p
 *   1c AND             m, 32n, p
 *   1d DUP1            m, m, 32n, p
 *   1e PUSH1 0x3d      hashed, m, m, 32n, p
 *   20 JUMPI           m, 32n, p          (m > 0: a group of mapping keys)
 *   21 POP             32n, p             (m = 0: a group of plain slots)
 *   22 SWAP1           p, 32n
 *   23 PUSH1 0x20      32, p, 32n
 *   25 ADD             p + 32, 32n        (the first slot)
 *   26 SWAP1           32n, p
 *   27 DUP2            p, 32n, p
 *   28 ADD             end, p             (end = p + 32n)
 *   29 SWAP1           p, end
 *   2a JUMPDEST        plain:             p, end
 *   2b DUP1            p, p, end
 *   2c CALLDATALOAD    slot, p, end
 *   2d SLOAD           value, p, end
 *   2e MSIZE           msize, value, p, end
 *   2f MSTORE          p, end             (memory[msize] = value: appended)
 *   30 PUSH1 0x20      32, p, end
 *   32 ADD             p + 32, end
 *   33 DUP1            p, p, end
 *   34 DUP3            end, p, p, end
 *   35 GT              end > p, p, end
 *   36 PUSH1 0x2a      plain, end > p, p, end
 *   38 JUMPI           p, end
 *   39 POP             p                  (p = end: the next group)
 *   3a PUSH1 0x07      group, p
 *   3c JUMP            p
 *   3d JUMPDEST        hashed:            m, 32n, p
 *   3e PUSH1 0x03      3, m, 32n, p
 *   40 SHL             8m, 32n, p
 *   41 PUSH1 0xe4      reads, 8m, 32n, p
 *   43 SUB             target, 32n, p     (target = reads - 8m: the last m blocks of the table)
 *   44 SWAP2           p, 32n, target
 *   45 DUP1            p, p, 32n, target
 *   46 PUSH1 0x20      32, p, p, 32n, target
 *   48 ADD             p + 32, p, 32n, target
 *   49 CALLDATALOAD    base, p, 32n, target   (the mapping's slot)
 *   4a PUSH1 0x20      32, base, p, 32n, target
 *   4c MSTORE          p, 32n, target     (memory[32, 64) = base)
 *   4d PUSH1 0x40      64, p, 32n, target
 *   4f ADD             p + 64, 32n, target    (the first key)
 *   50 SWAP1           32n, p, target
 *   51 DUP2            p, 32n, p, target
 *   52 ADD             end, p, target     (end = p + 32n)
 *   53 SWAP1           p, end, target
 *   54 JUMPDEST        key:               p, end, target
 *   55 DUP1            p, p, end, target
 *   56 CALLDATALOAD    key, p, end, target
 *   57 PUSH1 0x00      0, key, p, end, target
 *   59 MSTORE          p, end, target     (memory[0, 32) = key)
 *   5a PUSH1 0x40      64, p, end, target
 *   5c PUSH1 0x00      0, 64, p, end, target
 *   5e KECCAK256       h, p, end, target  (h = keccak256(key . base): the entry's slot)
 *   5f DUP1            h, h, p, end, target
 *   60 MSIZE           msize, h, h, p, end, target
 *   61 MSTORE          h, p, end, target  (memory[msize] = h: appended)
 *   62 DUP4            target, h, p, end, target
 *   63 JUMP            h, p, end, target  (run the last m read blocks)
 *   64 JUMPDEST        read block (16 left) x, p, end, target   (x = h + m - 16)
 *   65 DUP1            x, x, p, end, target
 *   66 SLOAD           value, x, p, end, target
 *   67 MSIZE           msize, value, x, p, end, target
 *   68 MSTORE          x, p, end, target  (memory[msize] = sload(x): appended)
 *   69 PUSH1 0x01      1, x, p, end, target
 *   6b ADD             x + 1, p, end, target   (wraps at 2^256, as Solidity's slots do)
 *   6c..e3             the same 8-byte block 15 more times (at 6c, 74, ..., dc). Jumping to
 *                      the m-th block from the end runs exactly m of them: sload(h .. h + m - 1)
 *   e4 JUMPDEST        reads:             h + m, p, end, target
 *   e5 POP             p, end, target
 *   e6 PUSH1 0x20      32, p, end, target
 *   e8 ADD             p + 32, end, target
 *   e9 DUP1            p, p, end, target
 *   ea DUP3            end, p, p, end, target
 *   eb GT              end > p, p, end, target
 *   ec PUSH1 0x54      key, end > p, p, end, target
 *   ee JUMPI           p, end, target
 *   ef SWAP2           target, end, p     (p = end: the next group)
 *   f0 POP             end, p
 *   f1 POP             p
 *   f2 PUSH1 0x07      group, p
 *   f4 JUMP            p
 *   f5 JUMPDEST        done:              p
 *   f6 MSIZE           msize, p
 *   f7 PUSH1 0x40      64, msize, p
 *   f9 SWAP1           msize, 64, p
 *   fa SUB             msize - 64, p
 *   fb PUSH1 0x40      64, msize - 64, p
 *   fd RETURN          return memory[64, msize): the answers, in calldata order
 */
export const FUSED_READER_CODE =
  "0x600060205260005b8036111560f55780358060801c60051b9061ffff1680603d575090602001908101905b8035545952602001808211602a57506007565b60031b60e403918060200135602052604001908101905b8035600052604060002080595283565b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b805459526001015b506020018082116054579150506007565b59604090036040f3";

/** Most consecutive slots the fused reader reads per mapping key (its unrolled table). */
export const MAX_MAPPED_MEMBERS = 16;

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
  /**
   * Gas given to each reading call; the fused reader also packs its calls up to ~95% of it.
   * Default: the Hardhat node's cap (2^24), or `anvilCallGas` on anvil (found by the probe).
   */
  callGas?: bigint;
  /**
   * Gas of each fused call on anvil, which accepts more than the Hardhat node's cap: a snapshot of
   * ~20,000 slots is then one call (fewer, larger calls measured faster there).
   */
  anvilCallGas?: bigint;
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
  keysPerCall: 4_000,
  pairsPerCall: 5_000,
  callGas: 16_777_216n,
  anvilCallGas: 60_000_000n,
  readsPerBatch: 1_000,
  maxBodyBytes: 1_500_000,
  concurrency: 4,
} as const;

// The mode a node supports is a property of the node, not of one reader: remember it per URL.
const knownModes = new Map<string, ReadMode>();
const knownRequesterModes = new WeakMap<RpcRequester, ReadMode>();
// Whether the node is anvil (web3_clientVersion), which takes far more gas per call.
const knownAnvil = new Map<string, boolean>();

// Gas the fused reader is charged, overestimated a little so a packed call never runs out:
// a cold SLOAD costs 2,100; calldata 16 a non-zero byte; the loop's own opcodes ~40 a word.
const GAS_PER_READ = 2_200;
const GAS_PER_WORD_IN = 32 * 16 + 40;
const GAS_PER_HASH = 120;
const GAS_PER_CALL = 21_000 + 1_000;

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

  let anvil = typeof endpoint === "string" ? knownAnvil.get(endpoint) : false;

  const probe = async (address: string, slot: bigint, blockTag: string): Promise<ReadMode> => {
    const [call, direct, client] = await rawBatch([
      overrideCall(address, [slot], blockTag),
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

  const read = async (address: string, slots: bigint[], blockTag: string): Promise<bigint[]> => {
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
  };

  const fusedCallGas = (): bigint =>
    options.callGas ?? (anvil === true ? settings.anvilCallGas : settings.callGas);

  // Packs plain slots and mapping groups into fused calls of at most ~95% of the call's gas,
  // splitting a group across calls where needed; each call's parts remember what they read.
  type Part = { plain: bigint[] } | { group: number; from: number; to: number };
  const fusedCalls = (
    address: string,
    slots: bigint[],
    groups: MappedGroup[],
    blockTag: string,
  ): { call: RpcCall; parts: Part[] }[] => {
    const gas = fusedCallGas();
    const budget = (Number(gas) * 95) / 100 - GAS_PER_CALL;
    const calls: { call: RpcCall; parts: Part[] }[] = [];
    let text: string[] = [];
    let parts: Part[] = [];
    let used = 0;
    let wordsOut = 0;
    // Memory grows quadratically (3 gas a word plus words^2 / 512): count it as answers grow.
    const memoryGas = (words: number) => 3 * words + (words * words) / 512;
    const flush = () => {
      if (parts.length === 0) return;
      calls.push({
        call: {
          method: "eth_call",
          params: [
            { to: address, data: `0x${text.join("")}`, gas: `0x${gas.toString(16)}` },
            blockTag,
            { [address]: { code: FUSED_READER_CODE } },
          ],
        },
        parts,
      });
      text = [];
      parts = [];
      used = 0;
      wordsOut = 0;
    };
    // How many of `count` items of `cost` gas and `words` answers each fit in this call.
    const room = (count: number, cost: number, words: number) => {
      let fit = Math.floor((budget - used - GAS_PER_WORD_IN * 3) / cost);
      while (fit > 0 && used + fit * cost + memoryGas(wordsOut + fit * words + 2) > budget) {
        fit = Math.floor(fit * 0.9);
      }
      return Math.min(count, Math.max(fit, 0));
    };
    const header = (n: number, m: number) =>
      n.toString(16).padStart(32, "0") + m.toString(16).padStart(32, "0");

    for (let start = 0; start < slots.length;) {
      const fit = room(slots.length - start, GAS_PER_READ + GAS_PER_WORD_IN, 1);
      if (fit === 0) {
        flush();
        continue;
      }
      const taken = slots.slice(start, start + fit);
      text.push(header(fit, 0));
      for (const slot of taken) text.push(slot.toString(16).padStart(64, "0"));
      parts.push({ plain: taken });
      used += GAS_PER_WORD_IN + fit * (GAS_PER_READ + GAS_PER_WORD_IN);
      wordsOut += fit;
      start += fit;
    }
    groups.forEach((group, index) => {
      const { members, keys } = group;
      if (members < 1 || members > MAX_MAPPED_MEMBERS) {
        throw new StorageReadError(label, `a mapping group of ${members} members`);
      }
      const cost = GAS_PER_WORD_IN + GAS_PER_HASH + members * GAS_PER_READ;
      const baseHex = slotHex(group.base).slice(2);
      for (let start = 0; start < keys.length;) {
        const fit = room(keys.length - start, cost, members + 1);
        if (fit === 0) {
          flush();
          continue;
        }
        text.push(header(fit, members), baseHex);
        for (let key = start; key < start + fit; key++) text.push(keys[key]!.slice(2));
        parts.push({ group: index, from: start, to: start + fit });
        used += 2 * GAS_PER_WORD_IN + fit * cost;
        wordsOut += fit * (members + 1);
        start += fit;
      }
    });
    flush();
    return calls;
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
    if (mode === undefined) remember(await probe(address, first, blockTag));
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
      const values = await read(address, wanted, blockTag);
      out.values = values.slice(0, slots.length);
      let next = slots.length;
      for (const target of out.groups) {
        for (let v = 0; v < target.values.length; v++) target.values[v] = values[next++]!;
      }
      return out;
    }
    const calls = fusedCalls(address, slots, groups, blockTag);
    // One batch: sending the calls as parallel HTTP requests was measured slower on both nodes.
    const results = await batch(calls.map((entry) => entry.call));
    results.forEach((result, index) => {
      if (typeof result !== "string") {
        throw new StorageReadError(label, `fused reader returned ${String(result).slice(0, 20)}…`);
      }
      // Answers are counted before any is parsed, so parsing needs no bounds checks.
      let expected = 0;
      for (const part of calls[index]!.parts) {
        expected +=
          "plain" in part
            ? part.plain.length
            : (part.to - part.from) * (groups[part.group]!.members + 1);
      }
      if (result.length !== 2 + expected * 64) {
        throw new StorageReadError(
          label,
          `fused reader returned ${(result.length - 2) / 64} words, not ${expected}`,
        );
      }
      let at = 2;
      const word = () => BigInt(`0x${result.slice((at += 64) - 64, at)}`);
      for (const part of calls[index]!.parts) {
        if ("plain" in part) {
          for (let k = 0; k < part.plain.length; k++) out.values.push(word());
          continue;
        }
        const { members } = groups[part.group]!;
        const target = out.groups[part.group]!;
        for (let k = part.from; k < part.to; k++) {
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
    read,
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
