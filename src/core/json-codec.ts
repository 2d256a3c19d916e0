import { NotJournalableError } from "./errors";

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
  return encode(value, "", new Set());
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

function encode(value: unknown, path: string, ancestors: Set<object>): EncodedJson {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new NotJournalableError(path, `number ${value}`);
      return value;
    case "bigint":
      return { [TAG_BIGINT]: value.toString(10) };
    case "undefined":
      throw new NotJournalableError(path, "undefined");
    case "function":
    case "symbol":
      throw new NotJournalableError(path, typeof value);
    case "object":
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Uint8Array) return { [TAG_BYTES]: bytesToHex(object) };
  if (ancestors.has(object)) throw new NotJournalableError(path, "circular reference");
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item, index) => encode(item, `${path}[${index}]`, ancestors));
    }
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new NotJournalableError(path, name);
    }
    const out: { [key: string]: EncodedJson } = {};
    let kept = 0;
    let lastKey = "";
    for (const [key, field] of Object.entries(object)) {
      // An absent optional field is common in step outputs; JSON drops it the same way.
      if (field === undefined) continue;
      setField(out, key, encode(field, path ? `${path}.${key}` : key, ancestors));
      kept += 1;
      lastKey = key;
    }
    if (kept === 1 && TAGS.has(lastKey)) return { [TAG_OBJECT]: out };
    return out;
  } finally {
    ancestors.delete(object);
  }
}

function decodeFields(value: { [key: string]: EncodedJson }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) setField(out, key, decodeJournalValue(field));
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

function canonical(value: EncodedJson): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key] as EncodedJson)}`).join(",")}}`;
}

function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

function hexToBytes(hex: string): Uint8Array {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  return new Uint8Array(Buffer.from(body, "hex"));
}
