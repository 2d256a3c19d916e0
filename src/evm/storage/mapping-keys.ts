/**
 * Keys of mappings: storage cannot list them, so a snapshot reads the entries of keys given in
 * configuration or found in the contract's events (a lender's address in a Transfer, a vault's
 * in VaultOpened, a role and its account in RoleGranted).
 */
import { ethers } from "ethers";
import { InvalidKeySourceError, InvalidMappingKeyError } from "../layout-errors";
import type { StorageReader } from "./storage-reader";
import { KEY_INDEX_SCHEMA, keySourcesHash, readKeyIndex, writeKeyIndex } from "./key-index";
import { getLogsOf, scanLogs, type LogScanOptions, type RawLog } from "./log-scan";
import { parseTypeId } from "./storage-types";

/** Keys per mapping path pattern; `[*]` in a pattern stands for any key of an outer mapping. */
export type MappingKeys = Record<string, string[]>;

/** Where to find the keys of a mapping: every value of the named arguments of an event. */
export interface KeySource {
  /** The mapping's path pattern, e.g. `balances` or `_roles[*].hasRole`. */
  mapping: string;
  /** A Solidity event signature, e.g. `event VaultOpened(address indexed vault)`. */
  event: string;
  /** Argument names whose values are keys. */
  args: string[];
  /** Leave out the zero value (a Transfer's `from` on a mint). */
  skipZero?: boolean;
}

/**
 * Where a snapshot finds the keys of a protocol's mappings: events whose arguments are keys, and
 * keys known without them. A preset of the upgrade checklist brings its protocol's.
 */
export interface SnapshotKeys {
  keySources: KeySource[];
  mappingKeys: MappingKeys;
}

// Parsed event signatures, kept for the process: a snapshot parses the same few every time.
const parsedEvents = new Map<string, { fragment: ethers.EventFragment; iface: ethers.Interface }>();

function parseEvent(source: KeySource): {
  fragment: ethers.EventFragment;
  iface: ethers.Interface;
} {
  let parsed = parsedEvents.get(source.event);
  if (parsed === undefined) {
    let fragment: ethers.EventFragment;
    try {
      fragment = ethers.EventFragment.from(source.event);
    } catch (error) {
      throw new InvalidKeySourceError(source.mapping, source.event, (error as Error).message);
    }
    parsed = { fragment, iface: new ethers.Interface([fragment]) };
    parsedEvents.set(source.event, parsed);
  }
  for (const arg of source.args) {
    if (!parsed.fragment.inputs.some((input) => input.name === arg)) {
      throw new InvalidKeySourceError(source.mapping, source.event, `no argument named ${arg}`);
    }
  }
  return parsed;
}

/** How discoverMappingKeys reads the logs. */
export interface KeyDiscoveryOptions {
  /** How the event scan adapts to a provider's limits. */
  scan?: LogScanOptions;
  /** A key index file (beside the deployment record): only blocks it has not seen are scanned. */
  indexFile?: string;
  /** Receives how the scan went (requests, shrinks, retries, blocks scanned). */
  onScan?: (scan: {
    requests: number;
    shrinks: number;
    rateRetries: number;
    blocks: number;
  }) => void;
}

/**
 * Finds the keys of each source in the logs of `address` between two blocks, inclusive, in
 * adaptive chunks (scanLogs). With an index file, the blocks it already covers are not scanned
 * again: their keys come from it, and it is extended to `toBlock`.
 */
export async function discoverMappingKeys(
  reader: StorageReader,
  address: string,
  sources: KeySource[],
  fromBlock: number,
  toBlock: number,
  options: KeyDiscoveryOptions = {},
): Promise<MappingKeys> {
  const prepared = sources.map((source) => ({ source, ...parseEvent(source) }));
  const hash = keySourcesHash(sources);
  const index = options.indexFile === undefined ? undefined : readKeyIndex(options.indexFile);
  const usable =
    index !== undefined &&
    index.address.toLowerCase() === address.toLowerCase() &&
    index.sources === hash &&
    index.fromBlock <= fromBlock &&
    index.toBlock <= toBlock;
  const scanFrom = usable ? index.toBlock + 1 : fromBlock;
  // One filter for every distinct event, whichever sources share it; each log decoded once.
  const topics = [...new Set(prepared.map(({ fragment }) => fragment.topicHash))];
  const scan =
    scanFrom <= toBlock
      ? await scanLogs(getLogsOf(reader.batch), address, topics, scanFrom, toBlock, options.scan)
      : { logs: [], requests: 0, shrinks: 0, rateRetries: 0 };
  options.onScan?.({
    requests: scan.requests,
    shrinks: scan.shrinks,
    rateRetries: scan.rateRetries,
    blocks: Math.max(0, toBlock - scanFrom + 1),
  });
  const byTopic = new Map<string, RawLog[]>();
  for (const log of scan.logs) {
    const list = byTopic.get(log.topics[0] ?? "") ?? [];
    list.push(log);
    byTopic.set(log.topics[0] ?? "", list);
  }
  // Decoded once per signature: two signatures can share a topic (the same types) yet name
  // their arguments differently, and each source looks its arguments up by its own names.
  const decoded = new Map<string, ethers.Result[]>();
  const decode = (source: KeySource, fragment: ethers.EventFragment, iface: ethers.Interface) => {
    let results = decoded.get(source.event);
    if (results === undefined) {
      const found = byTopic.get(fragment.topicHash) ?? [];
      results = found.map((log) => iface.decodeEventLog(fragment, log.data, log.topics));
      decoded.set(source.event, results);
    }
    return results;
  };
  const found: MappingKeys = {};
  for (const { source, fragment, iface } of prepared) {
    const keys = new Set(found[source.mapping] ?? []);
    for (const values of decode(source, fragment, iface)) {
      for (const arg of source.args) {
        const value = normaliseKeyValue(values.getValue(arg));
        if (source.skipZero && /^(0x0*|0|false)$/i.test(value)) continue;
        keys.add(value);
      }
    }
    found[source.mapping] = [...keys];
  }
  const keys = usable ? mergeMappingKeys(index.keys, found) : found;
  // An older block than the index covers is scanned in full and leaves the index as it was.
  if (options.indexFile !== undefined && (index === undefined || toBlock >= index.toBlock)) {
    writeKeyIndex(options.indexFile, {
      schema: KEY_INDEX_SCHEMA,
      address,
      sources: hash,
      fromBlock: usable ? index.fromBlock : fromBlock,
      toBlock,
      keys,
    });
  }
  return keys;
}

/** Merges key sets, keeping each key once per pattern. */
export function mergeMappingKeys(...sets: (MappingKeys | undefined)[]): MappingKeys {
  const merged: Record<string, Set<string>> = {};
  for (const set of sets) {
    for (const [pattern, keys] of Object.entries(set ?? {})) {
      const target = (merged[pattern] ??= new Set());
      for (const key of keys) target.add(key);
    }
  }
  return Object.fromEntries(Object.entries(merged).map(([pattern, keys]) => [pattern, [...keys]]));
}

/**
 * The keys configured for a mapping at `path`, from every pattern that matches it. Keys may
 * repeat across patterns (and be written differently): the snapshot keeps one entry per encoding.
 */
export function keysForMapping(keys: MappingKeys, path: string): readonly string[] {
  const lists = Object.entries(keys)
    .filter(([pattern]) => patternMatches(pattern, path))
    .map(([, list]) => list);
  return lists.length === 1 ? lists[0]! : lists.flat();
}

/** Whether a path pattern (`*` any run of characters, `[*]` any one key) matches a path. */
export function patternMatches(pattern: string, path: string): boolean {
  if (!pattern.includes("*")) return pattern === path;
  const source = pattern
    .split(/(\[\*\]|\*)/)
    .map((part) =>
      part === "[*]"
        ? "\\[[^\\]]*\\]"
        : part === "*"
          ? ".*"
          : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}$`).test(path);
}

/** A key as written in a path: lower-case address, decimal integer, hex bytes, quoted text. */
export interface EncodedKey {
  /** The 32-byte (value types) or raw (string, bytes) encoding hashed with the mapping's slot. */
  encoded: string;
  /** How the key appears in a path, e.g. `[0xAbC…]`, `[42]`, `["alice"]`. */
  display: string;
}

/** Encodes `key` as a key of the Solidity type `keyTypeId`. */
export function encodeMappingKey(key: string, keyTypeId: string, mappingPath: string): EncodedKey {
  return mappingKeyEncoder(keyTypeId, mappingPath)(key);
}

const ADDRESS_PADDING = `0x${"0".repeat(24)}`;
// 1 for the character codes of hex digits: checking an address is 40 table lookups, several
// times faster than the equivalent regular expression over thousands of keys.
const HEX_DIGIT = new Uint8Array(128);
for (const char of "0123456789abcdefABCDEF") HEX_DIGIT[char.charCodeAt(0)] = 1;

/** Whether `key` is 0x and 40 hex digits (either case), as /^0x[0-9a-fA-F]{40}$/ tests. */
function isAddressText(key: string): boolean {
  if (key.length !== 42 || key.charCodeAt(0) !== 48 || key.charCodeAt(1) !== 120) return false;
  for (let index = 2; index < 42; index++) {
    if (HEX_DIGIT[key.charCodeAt(index)] !== 1) return false;
  }
  return true;
}

/**
 * An encoder of keys of one mapping, as encodeMappingKey encodes them: the key type is looked at
 * once, not per key (snapshots encode thousands of lender and vault addresses per mapping).
 */
export function mappingKeyEncoder(
  keyTypeId: string,
  mappingPath: string,
): (key: string) => EncodedKey {
  if (
    keyTypeId === "t_address" ||
    keyTypeId === "t_address_payable" ||
    parseTypeId(keyTypeId).head === "t_contract"
  ) {
    return (key) => {
      // Lower case, unchecked: a checksum costs a JavaScript keccak per key, which dominated
      // snapshots of thousands of lenders; a mistyped key only reads an empty entry.
      if (!isAddressText(key)) throw new InvalidMappingKeyError(mappingPath, key, keyTypeId);
      const address = key.toLowerCase();
      return { encoded: ADDRESS_PADDING + address.slice(2), display: address };
    };
  }
  return (key) => encodeOtherKey(key, keyTypeId, mappingPath);
}

function encodeOtherKey(key: string, keyTypeId: string, mappingPath: string): EncodedKey {
  const fail = () => new InvalidMappingKeyError(mappingPath, key, keyTypeId);
  const { head } = parseTypeId(keyTypeId);
  try {
    if (/^t_(string|bytes)_/.test(keyTypeId)) {
      const raw = keyTypeId.startsWith("t_string") ? ethers.toUtf8Bytes(key) : ethers.getBytes(key);
      return {
        encoded: ethers.hexlify(raw),
        display: keyTypeId.startsWith("t_string") ? JSON.stringify(key) : ethers.hexlify(raw),
      };
    }
    if (keyTypeId === "t_address" || keyTypeId === "t_address_payable" || head === "t_contract") {
      // Lower case, unchecked: a checksum costs a JavaScript keccak per key, which dominated
      // snapshots of thousands of lenders; a mistyped key only reads an empty entry.
      if (!/^0x[0-9a-fA-F]{40}$/.test(key)) throw fail();
      const address = key.toLowerCase();
      return { encoded: `0x${"0".repeat(24)}${address.slice(2)}`, display: address };
    }
    if (keyTypeId === "t_bool") {
      if (key !== "true" && key !== "false") throw fail();
      return { encoded: ethers.toBeHex(key === "true" ? 1 : 0, 32), display: key };
    }
    const numeric = /^t_(u?int)(\d+)$/.exec(keyTypeId);
    if (numeric || head === "t_enum") {
      const value = BigInt(key);
      const bits = numeric ? Number(numeric[2]) : 8;
      const signed = numeric?.[1] === "int";
      const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
      const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
      if (value < min || value > max) throw fail();
      return {
        encoded: ethers.toBeHex(BigInt.asUintN(256, value), 32),
        display: value.toString(),
      };
    }
    const fixed = /^t_bytes(\d+)$/.exec(keyTypeId);
    if (fixed) {
      const bytes = ethers.getBytes(key);
      if (bytes.length !== Number(fixed[1])) throw fail();
      return { encoded: ethers.zeroPadBytes(bytes, 32), display: ethers.hexlify(bytes) };
    }
  } catch (error) {
    if (error instanceof InvalidMappingKeyError) throw error;
    throw fail();
  }
  throw fail();
}

function normaliseKeyValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return String(value);
  return String(value);
}
