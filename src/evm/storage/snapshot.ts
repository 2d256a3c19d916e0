/**
 * A layout-aware snapshot of one contract's storage at one pinned block: the EIP-1967 slots, then
 * every variable of the layout (linear and ERC-7201 namespaced) decoded by type, down to each
 * struct member, array element, string and configured mapping entry. Slots are read in rounds
 * (a dynamic array's length before its elements), each round in bulk through a StorageReader.
 */
import { ethers } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { MAX_MAPPED_MEMBERS } from "./call-packing";
import { hashLayout } from "./contract-layout";
import { StorageReadError } from "../layout-errors";
import {
  discoverMappingKeys,
  keysForMapping,
  mappingKeyEncoder,
  mergeMappingKeys,
  type KeySource,
  type MappingKeys,
} from "./mapping-keys";
import {
  createStorageReader,
  type MappedGroup,
  type MappedResult,
  type ReadMode,
  type RpcEndpoint,
  type StorageReader,
  type StorageReaderOptions,
} from "./storage-reader";
import {
  EIP1967_SLOTS,
  addSlot,
  arrayElementPosition,
  dataSlot,
  extractBytes,
  mappingValueSlot,
  namespaceBaseSlot,
  slotHex,
} from "./storage-slots";
import { describeType as describeTypeOnce, storageBytes, type TypeInfo } from "./storage-types";

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
  /** Arrays longer than this are cut to their first elements, with a warning. Default 100,000. */
  maxArrayLength?: number;
  /** Strings and bytes longer than this are recorded by length and hash only. Default 65,536. */
  maxBytesLength?: number;
  readerOptions?: StorageReaderOptions;
}

interface Walk {
  path: string;
  typeId: string;
  slot: bigint;
  offset: number;
}

/** A value a mapping entry holds at `rel` slots from the entry's slot, e.g. `.principal` at 2. */
interface Leaf {
  suffix: string;
  info: Extract<TypeInfo, { kind: "value" }>;
  rel: number;
  offset: number;
}

/** How a mapping's value type is read with its entry's hash: its leaves, over `members` slots. */
interface Template {
  leaves: Leaf[];
  /** Distinct relative slots of the leaves, each read once. */
  rels: number[];
  members: number;
}

/** Up to this many entries that cannot be fused are hashed in JavaScript, sparing a round. */
const JS_HASH_LIMIT = 512;

type Pending =
  | { kind: "value"; walk: Walk }
  | {
      kind: "fused";
      /** The mapping's path: entry k is `path[displays[k]]`, read as the group's key from + k. */
      path: string;
      displays: string[];
      template: Template;
      group: number;
      from: number;
    }
  | { kind: "array-length"; walk: Walk; elementId: string }
  | { kind: "bytes-head"; walk: Walk; text: boolean; label: string }
  | { kind: "bytes-data"; walk: Walk; text: boolean; label: string; length: number };

function isReader(endpoint: RpcEndpoint | StorageReader): endpoint is StorageReader {
  return typeof endpoint === "object" && "read" in endpoint && "batch" in endpoint;
}

/** Takes a snapshot of `address` with `layout` at one pinned block. */
export async function takeSnapshot(params: TakeSnapshotParams): Promise<StorageSnapshot> {
  const reader = isReader(params.endpoint)
    ? params.endpoint
    : createStorageReader(params.endpoint, params.readerOptions);
  const address = ethers.getAddress(params.address);
  const maxArrayLength = BigInt(params.maxArrayLength ?? 100_000);
  const maxBytesLength = params.maxBytesLength ?? 65_536;
  const { layout } = params;

  // One round trip pins the block (the latest unless one is given) and names the chain.
  const [chainIdHex, block] = (await reader.batch([
    { method: "eth_chainId", params: [] },
    {
      method: "eth_getBlockByNumber",
      params: [
        params.blockNumber === undefined ? "latest" : ethers.toQuantity(params.blockNumber),
        false,
      ],
    },
  ])) as [string, { number: string; hash: string; timestamp: string } | null];
  if (!block) {
    throw new StorageReadError(
      reader.endpoint,
      `block ${params.blockNumber ?? "latest"} does not exist`,
    );
  }
  const blockNumber = Number(BigInt(block.number));
  const blockTag = ethers.toQuantity(blockNumber);

  // Keys from events, while the reader learns (once per node) whether it may override state.
  const [discovered] = await Promise.all([
    params.keySources && params.keySources.length > 0
      ? discoverMappingKeys(reader, address, params.keySources, params.fromBlock ?? 0, blockNumber)
      : {},
    reader.prepare?.(address, EIP1967_SLOTS.implementation, blockTag),
  ]);
  const mappingKeys = mergeMappingKeys(params.mappingKeys, discovered);

  // Thousands of mapping entries share a handful of types: describe each type id once.
  const typeInfos = new Map<string, TypeInfo>();
  const describeType = (_layout: StorageLayout, typeId: string, path: string): TypeInfo => {
    let info = typeInfos.get(typeId);
    if (info === undefined) {
      info = describeTypeOnce(layout, typeId, path);
      typeInfos.set(typeId, info);
    }
    return info;
  };
  const entries: SnapshotEntry[] = [];
  const warnings: string[] = [];
  const words = new Map<bigint, bigint>();
  let fusedSlotCount = 0;

  const emit = (walk: Walk, type: string, bytes: number, value: SnapshotValue) =>
    entries.push({
      path: walk.path,
      slot: slotHex(walk.slot),
      offset: walk.offset,
      bytes,
      type,
      value,
    });

  // A mapping's value type whose storage is only value types at fixed slots from the entry's
  // slot (a balance, a struct of numbers) is "fused": the node hashes the key and reads those
  // slots in the same call. Described once per value type; null when it cannot be fused.
  const templates = new Map<string, Template | null>();
  const templateOf = (typeId: string): Template | null => {
    let template = templates.get(typeId);
    if (template === undefined) {
      const leaves: Leaf[] = [];
      let flat: boolean;
      try {
        flat = flatten(typeId, 0n, 0, "", leaves);
      } catch {
        // An unsupported type: the ordinary expansion reports it, with the entry's path.
        flat = false;
      }
      const rels = [...new Set(leaves.map((leaf) => leaf.rel))];
      const members = Math.max(0, ...rels) + 1;
      template = flat && leaves.length > 0 ? { leaves, rels, members } : null;
      templates.set(typeId, template);
    }
    return template;
  };
  // Mirrors `expand` (same paths, slots, offsets and order) for value types, structs and
  // fixed-size arrays of them; false as soon as anything needs a read to know where to look.
  const flatten = (
    typeId: string,
    rel: bigint,
    offset: number,
    suffix: string,
    leaves: Leaf[],
  ): boolean => {
    if (rel >= BigInt(MAX_MAPPED_MEMBERS) || leaves.length >= MAX_MAPPED_MEMBERS) return false;
    const info = describeType(layout, typeId, suffix);
    switch (info.kind) {
      case "value":
        leaves.push({ suffix, info, rel: Number(rel), offset });
        return true;
      case "struct":
        return info.members.every((member) =>
          flatten(
            member.typeId,
            rel + member.slot,
            member.offset,
            `${suffix}.${member.label}`,
            leaves,
          ),
        );
      case "array": {
        if (info.length === undefined || info.length > maxArrayLength) return false;
        const elementBytes = storageBytes(layout, info.elementId, suffix);
        for (let index = 0n; index < info.length; index++) {
          const position = arrayElementPosition(rel, index, elementBytes);
          const inner = `${suffix}[${index}]`;
          if (!flatten(info.elementId, position.slot, position.offset, inner, leaves)) {
            return false;
          }
        }
        return true;
      }
      default:
        return false;
    }
  };

  // The entries of a mapping whose keys have 32-byte encodings wait here, as one batch per
  // mapping (thousands of keys make no per-key objects), until the next read. Fused ones become
  // one placeholder, read with their hashes; the others (a struct holding a mapping, say) are
  // hashed first, in JavaScript when few, else by the node. Each mapping's entries are appended
  // to `out` in queue order, after the pass's other expansions, whichever way they are read.
  const hashQueue: {
    /** The mapping's path and value type; the slot of the mapping itself. */
    path: string;
    valueId: string;
    slot: bigint;
    keys: string[];
    /** How each key is written in its entry's path. */
    displays: string[];
    template: Template | null;
    /** The mapping instance (its slot and value type): fused entries are grouped by it. */
    group: string;
  }[] = [];
  // Fused entries of the next read, grouped by mapping instance (one base slot per group).
  let roundGroups: MappedGroup[] = [];
  let roundTemplates: Template[] = [];
  const groupIndex = new Map<string, number>();
  const fused = reader.readMapped !== undefined;
  const hashPending = async (out: Pending[]) => {
    while (hashQueue.length > 0) {
      const queued = hashQueue.splice(0, hashQueue.length);
      const loose = queued
        .filter((mapping) => !fused || mapping.template === null)
        .flatMap((mapping) => mapping.keys.map((key) => ({ key, slot: mapping.slot })));
      const slots =
        loose.length <= JS_HASH_LIMIT
          ? loose.map((pair) => mappingValueSlot(pair.key, pair.slot))
          : await reader.hashPairs(address, loose, blockTag);
      let next = 0;
      for (const mapping of queued) {
        const { template, path, displays } = mapping;
        if (!fused || template === null) {
          for (const display of displays) {
            const entry = { path: `${path}[${display}]`, typeId: mapping.valueId, offset: 0 };
            expand({ ...entry, slot: slots[next++]! }, out);
          }
          continue;
        }
        let group = groupIndex.get(mapping.group);
        if (group === undefined) {
          group = roundGroups.length;
          groupIndex.set(mapping.group, group);
          roundGroups.push({ base: mapping.slot, keys: [], members: template.members });
          roundTemplates.push(template);
        }
        const keys = roundGroups[group]!.keys;
        out.push({ kind: "fused", path, displays, template, group, from: keys.length });
        for (const key of mapping.keys) keys.push(key);
      }
    }
  };

  // Expands a variable down to what needs a read: value types, array lengths, string heads.
  const expand = (walk: Walk, out: Pending[]): void => {
    const info = describeType(layout, walk.typeId, walk.path);
    switch (info.kind) {
      case "value":
        out.push({ kind: "value", walk });
        return;
      case "bytes":
        out.push({ kind: "bytes-head", walk, text: info.text, label: info.label });
        return;
      case "struct":
        for (const member of info.members) {
          expand(
            {
              path: `${walk.path}.${member.label}`,
              typeId: member.typeId,
              slot: addSlot(walk.slot, member.slot),
              offset: member.offset,
            },
            out,
          );
        }
        return;
      case "array":
        if (info.length === undefined) {
          out.push({ kind: "array-length", walk, elementId: info.elementId });
        } else {
          expandElements(walk, info.elementId, info.length, walk.slot, out);
        }
        return;
      case "mapping": {
        const keys = keysForMapping(mappingKeys, walk.path);
        const template = keys.length > 0 ? templateOf(info.valueId) : null;
        const group = `${walk.slot.toString(16)}/${info.valueId}`;
        const encode = mappingKeyEncoder(info.keyId, walk.path);
        // Keys written differently may encode alike (an address in two cases): one entry each.
        const seen = new Set<string>();
        const batch = { keys: [] as string[], displays: [] as string[] };
        for (const key of keys) {
          const { encoded, display } = encode(key);
          if (seen.has(encoded)) continue;
          seen.add(encoded);
          if (encoded.length === 66) {
            // Hashed by the node in bulk, with the next read where it can be (see hashPending).
            batch.keys.push(encoded);
            batch.displays.push(display);
          } else {
            const path = `${walk.path}[${display}]`;
            expand(
              { path, typeId: info.valueId, offset: 0, slot: mappingValueSlot(encoded, walk.slot) },
              out,
            );
          }
        }
        if (batch.keys.length > 0) {
          hashQueue.push({
            path: walk.path,
            valueId: info.valueId,
            slot: walk.slot,
            template,
            group,
            ...batch,
          });
        }
        return;
      }
    }
  };

  const expandElements = (
    walk: Walk,
    elementId: string,
    length: bigint,
    base: bigint,
    out: Pending[],
  ) => {
    const elementBytes = storageBytes(layout, elementId, walk.path);
    const count = length > maxArrayLength ? maxArrayLength : length;
    if (count < length) {
      warnings.push(`${walk.path}: ${length} elements, only the first ${count} read`);
    }
    for (let index = 0n; index < count; index++) {
      const position = arrayElementPosition(base, index, elementBytes);
      expand({ path: `${walk.path}[${index}]`, typeId: elementId, ...position }, out);
    }
  };

  let frontier: Pending[] = [];
  for (const [name, slot] of Object.entries(EIP1967_SLOTS)) {
    frontier.push({
      kind: "value",
      walk: { path: `eip1967.${name}`, typeId: "t_address", slot, offset: 0 },
    });
  }
  for (const item of layout.storage) {
    expand(
      {
        path: item.label,
        typeId: item.type,
        slot: BigInt(item.slot ?? 0),
        offset: item.offset ?? 0,
      },
      frontier,
    );
  }
  for (const [location, items] of Object.entries(layout.namespaces ?? {})) {
    const base = namespaceBaseSlot(location);
    if (base === undefined) {
      warnings.push(`${location}: not an erc7201 namespace, not read`);
      continue;
    }
    for (const item of items) {
      expand(
        {
          path: `${location}:${item.label}`,
          typeId: item.type,
          slot: addSlot(base, BigInt(item.slot ?? 0)),
          offset: item.offset ?? 0,
        },
        frontier,
      );
    }
  }

  await hashPending(frontier);
  while (frontier.length > 0) {
    const needed = new Set<bigint>();
    for (const pending of frontier) {
      if (pending.kind === "fused") continue;
      if (pending.kind === "bytes-data") {
        const first = dataSlot(pending.walk.slot);
        const count = BigInt(Math.ceil(pending.length / 32));
        for (let index = 0n; index < count; index++) needed.add(addSlot(first, index));
      } else {
        needed.add(pending.walk.slot);
      }
    }
    const missing = [...needed].filter((slot) => !words.has(slot));
    const groups = roundGroups;
    const groupTemplates = roundTemplates;
    roundGroups = [];
    roundTemplates = [];
    groupIndex.clear();
    let mapped: MappedResult["groups"] = [];
    if (groups.length > 0 && reader.readMapped !== undefined) {
      const result = await reader.readMapped(address, missing, groups, blockTag);
      missing.forEach((slot, index) => words.set(slot, result.values[index]!));
      mapped = result.groups;
      // Every slot a fused entry's values came from counts as read, as if read one by one.
      // A group's keys are distinct (expand drops repeats) and distinct keys of one mapping have
      // non-overlapping entries (Solidity's layout rests on that): no Set of slots is needed.
      groups.forEach(({ keys }, group) => {
        fusedSlotCount += keys.length * groupTemplates[group]!.rels.length;
      });
    } else {
      const values = await reader.read(address, missing, blockTag);
      missing.forEach((slot, index) => words.set(slot, values[index]!));
    }

    const next: Pending[] = [];
    for (const pending of frontier) {
      if (pending.kind === "fused") {
        const { slots, values } = mapped[pending.group]!;
        const { leaves, members } = pending.template;
        pending.displays.forEach((display, k) => {
          const index = pending.from + k;
          const slot = slots[index]!;
          const first = index * members;
          const path = `${pending.path}[${display}]`;
          for (const leaf of leaves) {
            const word = values[first + leaf.rel]!;
            entries.push({
              path: path + leaf.suffix,
              slot: leaf.rel === 0 ? slot : slotPlus(slot, leaf.rel),
              offset: leaf.offset,
              bytes: leaf.info.bytes,
              type: leaf.info.label,
              value: decodeValue(extractBytes(word, leaf.offset, leaf.info.bytes), leaf.info),
            });
          }
        });
        continue;
      }
      const { walk } = pending;
      const word = words.get(walk.slot) ?? 0n;
      switch (pending.kind) {
        case "value": {
          const info = describeType(layout, walk.typeId, walk.path);
          if (info.kind !== "value") break;
          const raw = extractBytes(word, walk.offset, info.bytes);
          emit(walk, info.label, info.bytes, decodeValue(raw, info));
          break;
        }
        case "array-length": {
          emit({ ...walk, path: `${walk.path}.length` }, "uint256", 32, word.toString());
          expandElements(walk, pending.elementId, word, dataSlot(walk.slot), next);
          break;
        }
        case "bytes-head": {
          if ((word & 1n) === 0n) {
            // Short form: the data sits in the high-order bytes, the low byte is length * 2.
            const length = Number((word & 0xffn) / 2n);
            const data = ethers.getBytes(slotHex(word)).slice(0, length);
            emit(walk, pending.label, length, decodeBytes(data, pending.text));
          } else {
            const length = (word - 1n) / 2n;
            if (length > BigInt(maxBytesLength)) {
              warnings.push(`${walk.path}: ${length} bytes, longer than the limit, not read`);
              emit(walk, pending.label, Number(length), `<${length} bytes not read>`);
            } else {
              next.push({ ...pending, kind: "bytes-data", length: Number(length) });
            }
          }
          break;
        }
        case "bytes-data": {
          const first = dataSlot(walk.slot);
          const chunks: Uint8Array[] = [];
          for (let index = 0; index * 32 < pending.length; index++) {
            const dataWord = words.get(addSlot(first, BigInt(index))) ?? 0n;
            chunks.push(ethers.getBytes(slotHex(dataWord)));
          }
          const data = ethers.getBytes(ethers.concat(chunks)).slice(0, pending.length);
          emit(walk, pending.label, pending.length, decodeBytes(data, pending.text));
          break;
        }
      }
    }
    await hashPending(next);
    frontier = next;
  }

  return {
    schema: SNAPSHOT_SCHEMA,
    chainId: Number(BigInt(chainIdHex!)),
    address,
    block: { number: blockNumber, hash: block.hash, timestamp: Number(BigInt(block.timestamp)) },
    layout: { contract: params.contract, hash: hashLayout(layout) },
    readMode: reader.mode ?? "override",
    slotsRead: words.size + fusedSlotCount,
    mappingKeys,
    warnings,
    entries,
  };
}

/** `slot + rel` (slotHex form), without BigInt when only the last hex digit changes. */
function slotPlus(slot: string, rel: number): string {
  const last = parseInt(slot[65]!, 16) + rel;
  if (last < 16) return slot.slice(0, 65) + last.toString(16);
  return slotHex(addSlot(BigInt(slot), BigInt(rel)));
}

/** Turns a value type's raw bytes into its JSON value. */
function decodeValue(
  raw: bigint,
  info: { bytes: number; encoding: string; enumMembers?: string[] },
): SnapshotValue {
  switch (info.encoding) {
    case "uint":
      return raw.toString();
    case "int":
      return BigInt.asIntN(info.bytes * 8, raw).toString();
    case "bool":
      return raw !== 0n;
    case "address":
      return ethers.getAddress(`0x${raw.toString(16).padStart(40, "0")}`);
    case "enum":
      return info.enumMembers?.[Number(raw)] ?? raw.toString();
    default:
      return `0x${raw.toString(16).padStart(info.bytes * 2, "0")}`;
  }
}

function decodeBytes(data: Uint8Array, text: boolean): string {
  if (!text) return ethers.hexlify(data);
  try {
    return ethers.toUtf8String(data);
  } catch {
    // Storage may hold bytes that are not UTF-8 even in a string; keep them exactly.
    return ethers.hexlify(data);
  }
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
