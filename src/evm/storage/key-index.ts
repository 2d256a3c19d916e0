/**
 * The incremental index of mapping keys found in events, kept beside a deployment record
 * (`<network>/key-index/<name>.json`, in a folder of its own so that no reader of the records
 * takes it for one): which blocks were scanned and the keys found there, so that the next
 * snapshot only scans the blocks it has not seen. It is a cache: one that does not match the
 * address, the key sources or the range asked for is ignored and rewritten.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { KeySource, MappingKeys } from "./mapping-keys";

/** The schema id of a key index file. */
export const KEY_INDEX_SCHEMA = "aegis.key-index/1";

/** What a key index file holds. */
export interface KeyIndex {
  schema: typeof KEY_INDEX_SCHEMA;
  address: string;
  /** Hash of the key sources it was built with: other sources need another scan. */
  sources: string;
  /** The blocks scanned, inclusive. */
  fromBlock: number;
  toBlock: number;
  keys: MappingKeys;
}

/** Where the key index of a deployment record lives: `key-index/<name>.json` beside it. */
export function keyIndexPath(recordPath: string): string {
  return path.join(path.dirname(recordPath), "key-index", path.basename(recordPath));
}

/** The hash that ties an index to its key sources. */
export function keySourcesHash(sources: KeySource[]): string {
  return ethers.id(JSON.stringify(sources.map((s) => [s.mapping, s.event, s.args, !!s.skipZero])));
}

/** The index in `file`, when it exists and is one; anything else reads as none. */
export function readKeyIndex(file: string): KeyIndex | undefined {
  try {
    const index = JSON.parse(fs.readFileSync(file, "utf8")) as KeyIndex;
    return index.schema === KEY_INDEX_SCHEMA ? index : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the index whole or not at all (a temp file renamed over it). */
export function writeKeyIndex(file: string, index: KeyIndex): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(index, null, 2)}\n`);
  fs.renameSync(temp, file);
}
