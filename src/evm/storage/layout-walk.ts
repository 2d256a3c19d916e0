/**
 * From a layout to the reads a snapshot needs: every variable (linear and ERC-7201 namespaced,
 * after the EIP-1967 slots) is expanded down to what must be read before it can be decoded or
 * expanded further: a value's slot, a dynamic array's length, a string's head. Mapping entries
 * of 32-byte keys are not expanded here: they wait in a queue (mapping-queue.ts) so that
 * thousands of keys are hashed, or fused with their reads, in bulk.
 */
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import type { FusedTemplate } from "./fused-template";
import { keysForMapping, mappingKeyEncoder, type MappingKeys } from "./mapping-keys";
import type { QueuedMapping } from "./mapping-queue";
import {
  EIP1967_SLOTS,
  addSlot,
  arrayElementPosition,
  mappingValueSlot,
  namespaceBaseSlot,
} from "./storage-slots";
import { storageBytes, type TypeDescriber, type TypeInfo } from "./storage-types";

/** A place in storage: a variable, member, element or mapping entry, with its type. */
export interface Walk {
  path: string;
  typeId: string;
  slot: bigint;
  offset: number;
}

/** What waits for the next read. */
export type Pending =
  | { kind: "value"; walk: Walk }
  | {
      kind: "fused";
      /** The mapping's path: entry k is `path[displays[k]]`, read as the group's key from + k. */
      path: string;
      displays: string[];
      template: FusedTemplate;
      group: number;
      from: number;
    }
  | { kind: "array-length"; walk: Walk; elementId: string }
  | { kind: "bytes-head"; walk: Walk; text: boolean; label: string }
  | { kind: "bytes-data"; walk: Walk; text: boolean; label: string; length: number };

/** What expanding needs, and where it puts what it cannot expand yet. */
export interface WalkContext {
  layout: StorageLayout;
  describe: TypeDescriber;
  mappingKeys: MappingKeys;
  /** Arrays longer than this are cut to their first elements, with a warning. */
  maxArrayLength: bigint;
  /** Strings and bytes longer than this are recorded by length only, with a warning. */
  maxBytesLength: number;
  /** The fused template of a mapping's value type, or null when it cannot be fused. */
  templateOf: (typeId: string) => FusedTemplate | null;
  /** Entries of 32-byte keys, one item per mapping, until the next read. */
  mappings: QueuedMapping[];
  warnings: string[];
}

/** The EIP-1967 slots, then every variable of the layout, expanded into `out` (returned). */
export function expandLayout(ctx: WalkContext, out: Pending[] = []): Pending[] {
  for (const [name, slot] of Object.entries(EIP1967_SLOTS)) {
    out.push({
      kind: "value",
      walk: { path: `eip1967.${name}`, typeId: "t_address", slot, offset: 0 },
    });
  }
  for (const item of ctx.layout.storage) {
    const slot = BigInt(item.slot ?? 0);
    expand(ctx, { path: item.label, typeId: item.type, slot, offset: item.offset ?? 0 }, out);
  }
  for (const [location, items] of Object.entries(ctx.layout.namespaces ?? {})) {
    const base = namespaceBaseSlot(location);
    if (base === undefined) {
      ctx.warnings.push(`${location}: not an erc7201 namespace, not read`);
      continue;
    }
    for (const item of items) {
      expand(
        ctx,
        {
          path: `${location}:${item.label}`,
          typeId: item.type,
          slot: addSlot(base, BigInt(item.slot ?? 0)),
          offset: item.offset ?? 0,
        },
        out,
      );
    }
  }
  return out;
}

/** Expands `walk` into `out` down to what needs a read: value types, array lengths, string heads. */
export function expand(ctx: WalkContext, walk: Walk, out: Pending[]): void {
  const info = ctx.describe(walk.typeId, walk.path);
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
          ctx,
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
        expandElements(ctx, walk, info.elementId, info.length, walk.slot, out);
      }
      return;
    case "mapping":
      expandMapping(ctx, walk, info, out);
      return;
  }
}

/** Expands the first `length` elements (at most maxArrayLength) of an array starting at `base`. */
export function expandElements(
  ctx: WalkContext,
  walk: Walk,
  elementId: string,
  length: bigint,
  base: bigint,
  out: Pending[],
): void {
  const elementBytes = storageBytes(ctx.layout, elementId, walk.path);
  const count = length > ctx.maxArrayLength ? ctx.maxArrayLength : length;
  if (count < length) {
    ctx.warnings.push(`${walk.path}: ${length} elements, only the first ${count} read`);
  }
  for (let index = 0n; index < count; index++) {
    const position = arrayElementPosition(base, index, elementBytes);
    expand(ctx, { path: `${walk.path}[${index}]`, typeId: elementId, ...position }, out);
  }
}

/**
 * A mapping's entries for its configured keys. Keys with 32-byte encodings are queued for the
 * node to hash in bulk (and, when the value type allows, to read in the same call); a string or
 * bytes key is hashed here and its entry expanded at once.
 */
function expandMapping(
  ctx: WalkContext,
  walk: Walk,
  info: Extract<TypeInfo, { kind: "mapping" }>,
  out: Pending[],
): void {
  const keys = keysForMapping(ctx.mappingKeys, walk.path);
  const template = keys.length > 0 ? ctx.templateOf(info.valueId) : null;
  const encode = mappingKeyEncoder(info.keyId, walk.path);
  // Keys written differently may encode alike (an address in two cases): one entry each.
  const seen = new Set<string>();
  // One batch per mapping: thousands of keys make no per-key objects.
  const batch = { keys: [] as string[], displays: [] as string[] };
  for (const key of keys) {
    const { encoded, display } = encode(key);
    if (seen.has(encoded)) continue;
    seen.add(encoded);
    if (encoded.length === 66) {
      batch.keys.push(encoded);
      batch.displays.push(display);
    } else {
      const path = `${walk.path}[${display}]`;
      const slot = mappingValueSlot(encoded, walk.slot);
      expand(ctx, { path, typeId: info.valueId, offset: 0, slot }, out);
    }
  }
  if (batch.keys.length > 0) {
    ctx.mappings.push({
      path: walk.path,
      valueId: info.valueId,
      slot: walk.slot,
      template,
      // The mapping instance (its slot and value type): fused entries are grouped by it.
      group: `${walk.slot.toString(16)}/${info.valueId}`,
      ...batch,
    });
  }
}
