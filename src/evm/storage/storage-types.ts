/**
 * What a type id of an OpenZeppelin storage layout (`t_mapping(t_address,t_uint256)`,
 * `t_array(t_uint16)5_storage`, `t_struct(Vault)12_storage`...) means for reading storage.
 * Described one level at a time, so recursive structs need no special care.
 */
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { UnsupportedStorageTypeError } from "../layout-errors";

/** How a value type's bytes are turned into a value. */
export type ValueEncoding =
  "uint" | "int" | "bool" | "address" | "fixed-bytes" | "enum" | "function";

/** One struct member, its slot relative to the struct's. */
export interface MemberInfo {
  label: string;
  typeId: string;
  slot: bigint;
  offset: number;
}

/** One level of a storage type. */
export type TypeInfo =
  | { kind: "value"; label: string; bytes: number; encoding: ValueEncoding; enumMembers?: string[] }
  | { kind: "struct"; label: string; bytes: number; members: MemberInfo[] }
  | { kind: "array"; label: string; bytes: number; elementId: string; length?: bigint }
  | { kind: "bytes"; label: string; text: boolean }
  | { kind: "mapping"; label: string; keyId: string; valueId: string };

/** A value type's description: what decoding its bytes needs. */
export type ValueTypeInfo = Extract<TypeInfo, { kind: "value" }>;

/** A type id split into its head, its parenthesised arguments and its tail. */
export interface ParsedId {
  head: string;
  args: string[];
  tail: string;
}

/** Splits `t_mapping(t_address,t_uint256)` into head, top-level arguments and tail. */
export function parseTypeId(id: string): ParsedId {
  const open = id.indexOf("(");
  if (open < 0) return { head: id, args: [], tail: "" };
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let index = open; index < id.length; index++) {
    const char = id[index];
    if (char === "(") depth++;
    else if (char === ")") {
      depth--;
      if (depth === 0) {
        args.push(id.slice(start, index));
        return { head: id.slice(0, open), args, tail: id.slice(index + 1) };
      }
    } else if (char === "," && depth === 1) {
      args.push(id.slice(start, index));
      start = index + 1;
    }
  }
  return { head: id, args: [], tail: "" };
}

/** Describes one level of `typeId` from the layout's type table. */
export function describeType(layout: StorageLayout, typeId: string, path: string): TypeInfo {
  const item = layout.types[typeId];
  const label = item?.label ?? typeId;
  const declaredBytes = item?.numberOfBytes !== undefined ? Number(item.numberOfBytes) : undefined;
  const { head, args, tail } = parseTypeId(typeId);
  const unsupported = () => new UnsupportedStorageTypeError(path, typeId);

  if (head === "t_mapping" && args.length === 2) {
    return { kind: "mapping", label, keyId: args[0]!, valueId: args[1]! };
  }
  if (head === "t_array" && args.length === 1) {
    const size = /^(dyn|\d+)_storage/.exec(tail)?.[1];
    if (size === undefined) throw unsupported();
    return {
      kind: "array",
      label,
      bytes: declaredBytes ?? 32,
      elementId: args[0]!,
      length: size === "dyn" ? undefined : BigInt(size),
    };
  }
  if (head === "t_struct") {
    const members = item?.members;
    if (members === undefined) throw unsupported();
    return {
      kind: "struct",
      label,
      bytes: declaredBytes ?? 32,
      members: members.map((member) => {
        if (typeof member === "string" || member.slot === undefined) throw unsupported();
        return {
          label: member.label,
          typeId: member.type,
          slot: BigInt(member.slot),
          offset: member.offset ?? 0,
        };
      }),
    };
  }
  if (/^t_(string|bytes)_(storage|memory_ptr|calldata_ptr)$/.test(typeId)) {
    return { kind: "bytes", label, text: typeId.startsWith("t_string") };
  }
  if (head === "t_enum") {
    const members = item?.members?.filter((m): m is string => typeof m === "string");
    return {
      kind: "value",
      label,
      bytes: declaredBytes ?? 1,
      encoding: "enum",
      enumMembers: members,
    };
  }
  if (head === "t_userDefinedValueType") {
    const underlying = item?.underlying;
    if (underlying === undefined) throw unsupported();
    const inner = describeType(layout, underlying, path);
    return inner.kind === "value" ? { ...inner, label } : inner;
  }
  if (head === "t_contract" || typeId === "t_address" || typeId === "t_address_payable") {
    return { kind: "value", label, bytes: 20, encoding: "address" };
  }
  if (typeId === "t_bool") return { kind: "value", label, bytes: 1, encoding: "bool" };
  const numeric = /^t_(u?int)(\d+)$/.exec(typeId);
  if (numeric) {
    return {
      kind: "value",
      label,
      bytes: Number(numeric[2]) / 8,
      encoding: numeric[1] === "uint" ? "uint" : "int",
    };
  }
  const fixed = /^t_bytes(\d+)$/.exec(typeId);
  if (fixed) return { kind: "value", label, bytes: Number(fixed[1]), encoding: "fixed-bytes" };
  if (typeId.startsWith("t_function")) {
    return {
      kind: "value",
      label,
      bytes: declaredBytes ?? (typeId.startsWith("t_function_external") ? 24 : 8),
      encoding: "function",
    };
  }
  throw unsupported();
}

/** Bytes a value of `typeId` occupies in storage (32 for anything that takes whole slots). */
export function storageBytes(layout: StorageLayout, typeId: string, path: string): number {
  const info = describeType(layout, typeId, path);
  switch (info.kind) {
    case "value":
    case "struct":
    case "array":
      return info.bytes;
    case "bytes":
    case "mapping":
      return 32;
  }
}

/** Describes one level of a type id of one layout; `path` names the place in errors. */
export type TypeDescriber = (typeId: string, path: string) => TypeInfo;

/**
 * describeType for one layout, each type id described once: thousands of mapping entries share
 * a handful of types. Errors are not remembered, so each names the path it was met at.
 */
export function cachedTypeDescriber(layout: StorageLayout): TypeDescriber {
  const infos = new Map<string, TypeInfo>();
  return (typeId, path) => {
    let info = infos.get(typeId);
    if (info === undefined) {
      info = describeType(layout, typeId, path);
      infos.set(typeId, info);
    }
    return info;
  };
}
