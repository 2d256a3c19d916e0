import { NotJournalableError } from "./errors";
import { pathOfTrail, type ValueTrail } from "./value-path";

/**
 * The journal's value codec. JSON cannot hold bigints (token amounts, storage values) or
 * bytes, and silently mangles many other values (Date, Map, NaN, undefined in arrays). The
 * codec tags the two extra types and refuses the rest, so that what a step returned is what a
 * resumed run reads back, bit for bit.
 *
 *   bigint      -> {"$bigint":"-123"}
 *   Uint8Array  -> {"$bytes":"0x00ff"}          (Buffer too; decoded as Uint8Array)
 *   an object whose only key is a tag name      -> {"$obj":{...}}   (escaping, so user data
 *                                                  can never be mistaken for a tag)
 */

/** A JSON value as it appears in a journal line, after encoding. */
export type EncodedJson =
  null | boolean | number | string | EncodedJson[] | { [key: string]: EncodedJson };

const TAG_BIGINT = "$bigint";
const TAG_BYTES = "$bytes";
const TAG_OBJECT = "$obj";
const TAGS = new Set([TAG_BIGINT, TAG_BYTES, TAG_OBJECT]);

/** Encodes a value into plain JSON data, tagging bigints and bytes; throws AEGIS-E112. */
export function encodeJournalValue(value: unknown): EncodedJson {
  return encode(value, [], new Set());
}

/** Decodes plain JSON data produced by encodeJournalValue back into the original value. */
export function decodeJournalValue(value: EncodedJson): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decodeJournalValue);
  const keys = Object.keys(value);
  if (keys.length === 1 && TAGS.has(keys[0] as string)) {
    const tag = keys[0] as string;
    const inner = value[tag];
    if (tag === TAG_BIGINT && typeof inner === "string") return BigInt(inner);
    if (tag === TAG_BYTES && typeof inner === "string") return hexToBytes(inner);
    if (
      tag === TAG_OBJECT &&
      inner !== null &&
      typeof inner === "object" &&
      !Array.isArray(inner)
    ) {
      return decodeFields(inner);
    }
  }
  return decodeFields(value);
}

/** Serializes a value to one JSON text (no newline) with tagged bigints and bytes. */
export function stringifyJournalValue(value: unknown): string {
  return JSON.stringify(encodeJournalValue(value));
}

/** Parses a JSON text written by stringifyJournalValue. */
export function parseJournalValue(text: string): unknown {
  return decodeJournalValue(JSON.parse(text) as EncodedJson);
}

/** Serializes a value with object keys sorted at every level: the same data, the same text. */
export function canonicalStringify(value: unknown): string {
  return canonical(encodeJournalValue(value));
}

/** Whether two journalable values are equal as data (bigints, bytes and key order included). */
export function journalValuesEqual(a: unknown, b: unknown): boolean {
  return canonicalStringify(a) === canonicalStringify(b);
}

function encode(value: unknown, trail: ValueTrail, ancestors: Set<object>): EncodedJson {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value))
        throw new NotJournalableError(pathOfTrail(trail), `number ${value}`);
      return value;
    case "bigint":
      return { [TAG_BIGINT]: value.toString(10) };
    case "undefined":
      throw new NotJournalableError(pathOfTrail(trail), "undefined");
    case "function":
    case "symbol":
      throw new NotJournalableError(pathOfTrail(trail), typeof value);
    case "object":
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Uint8Array) return { [TAG_BYTES]: bytesToHex(object) };
  if (ancestors.has(object))
    throw new NotJournalableError(pathOfTrail(trail), "circular reference");
  ancestors.add(object);
  // No try/finally to restore the trail and ancestors: an error ends the whole encoding.
  let encoded: EncodedJson;
  if (Array.isArray(object)) {
    encoded = object.map((item, index) => {
      trail.push(index);
      const out = encode(item, trail, ancestors);
      trail.pop();
      return out;
    });
  } else {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new NotJournalableError(pathOfTrail(trail), name);
    }
    const fields = object as Record<string, unknown>;
    const out: { [key: string]: EncodedJson } = {};
    let kept = 0;
    let lastKey = "";
    for (const key of Object.keys(fields)) {
      const field = fields[key];
      // An absent optional field is common in step outputs; JSON drops it the same way.
      if (field === undefined) continue;
      trail.push(key);
      setField(out, key, encode(field, trail, ancestors));
      trail.pop();
      kept += 1;
      lastKey = key;
    }
    encoded = kept === 1 && TAGS.has(lastKey) ? { [TAG_OBJECT]: out } : out;
  }
  ancestors.delete(object);
  return encoded;
}

function decodeFields(value: { [key: string]: EncodedJson }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    setField(out, key, decodeJournalValue(value[key] as EncodedJson));
  }
  return out;
}

/** Sets a field even when its name is "__proto__", which a plain assignment would swallow. */
function setField<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

// Plan hashes canonicalise every step of the plan, so this appends to one string instead of
// joining mapped arrays, sorts only keys that are not in order already, and quotes each key
// name once. The text is unchanged (a hole in an array, which encode keeps, is still written
// as nothing).
function canonical(value: EncodedJson): string {
  if (value === null || typeof value !== "object") {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  }
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ",";
      const item = value[index];
      if (item !== undefined) text += canonical(item);
    }
    return `${text}]`;
  }
  const keys = Object.keys(value);
  if (!isSorted(keys)) keys.sort();
  let text = "{";
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string;
    if (index > 0) text += ",";
    text += `${quotedKey(key)}:${canonical(value[key] as EncodedJson)}`;
  }
  return `${text}}`;
}

/** Whether strings are in the order Array.prototype.sort puts them (UTF-16 code units). */
function isSorted(keys: readonly string[]): boolean {
  for (let index = 1; index < keys.length; index += 1) {
    if ((keys[index - 1] as string) > (keys[index] as string)) return false;
  }
  return true;
}

// Key names repeat across a plan's steps; bounded because data-derived keys could be many.
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

function hexToBytes(hex: string): Uint8Array {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  return new Uint8Array(Buffer.from(body, "hex"));
}
