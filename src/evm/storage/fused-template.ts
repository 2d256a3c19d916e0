/**
 * Which mapping values the node can read with their key's hash, in the same call ("fused"): a
 * value type whose storage is only value types at fixed slots from the entry's slot (a balance,
 * a struct of numbers, a fixed array of them), within MAX_MAPPED_MEMBERS slots. Anything that
 * needs a read to know where to look (a dynamic array, a string, a nested mapping) is not fused:
 * its entries are hashed first and expanded like any variable.
 */
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { MAX_MAPPED_MEMBERS } from "./call-packing";
import { arrayElementPosition } from "./storage-slots";
import { storageBytes, type TypeDescriber, type ValueTypeInfo } from "./storage-types";

/** A value a mapping entry holds at `rel` slots from the entry's slot, e.g. `.principal` at 2. */
export interface Leaf {
  suffix: string;
  info: ValueTypeInfo;
  rel: number;
  offset: number;
}

/** How a mapping's value type is read with its entry's hash: its leaves, over `members` slots. */
export interface FusedTemplate {
  leaves: Leaf[];
  /** Distinct relative slots of the leaves, each read once. */
  rels: number[];
  members: number;
}

/** What describing a value type needs: the layout's types and the array length limit. */
export interface TemplateScope {
  layout: StorageLayout;
  describe: TypeDescriber;
  maxArrayLength: bigint;
}

/** The template of mapping values of `typeId`, or null when they cannot be fused. */
export function fusedTemplate(scope: TemplateScope, typeId: string): FusedTemplate | null {
  const leaves: Leaf[] = [];
  let flat: boolean;
  try {
    flat = flatten(scope, typeId, 0n, 0, "", leaves);
  } catch {
    // An unsupported type: the ordinary expansion reports it, with the entry's path.
    flat = false;
  }
  if (!flat || leaves.length === 0) return null;
  const rels = [...new Set(leaves.map((leaf) => leaf.rel))];
  return { leaves, rels, members: Math.max(0, ...rels) + 1 };
}

/** fusedTemplate, each value type described once (a mapping's entries share theirs). */
export function fusedTemplateCache(scope: TemplateScope): (typeId: string) => FusedTemplate | null {
  const templates = new Map<string, FusedTemplate | null>();
  return (typeId) => {
    let template = templates.get(typeId);
    if (template === undefined) {
      template = fusedTemplate(scope, typeId);
      templates.set(typeId, template);
    }
    return template;
  };
}

/**
 * Appends the leaves of `typeId` at `rel`/`offset` to `leaves`, with the paths, slots, offsets and
 * order the ordinary expansion (layout-walk.ts) gives them; false as soon as anything needs a
 * read to know where to look, or the value spans more slots or leaves than a fused read takes.
 */
function flatten(
  scope: TemplateScope,
  typeId: string,
  rel: bigint,
  offset: number,
  suffix: string,
  leaves: Leaf[],
): boolean {
  if (rel >= BigInt(MAX_MAPPED_MEMBERS) || leaves.length >= MAX_MAPPED_MEMBERS) return false;
  const info = scope.describe(typeId, suffix);
  switch (info.kind) {
    case "value":
      leaves.push({ suffix, info, rel: Number(rel), offset });
      return true;
    case "struct":
      return info.members.every((member) =>
        flatten(
          scope,
          member.typeId,
          rel + member.slot,
          member.offset,
          `${suffix}.${member.label}`,
          leaves,
        ),
      );
    case "array": {
      if (info.length === undefined || info.length > scope.maxArrayLength) return false;
      const elementBytes = storageBytes(scope.layout, info.elementId, suffix);
      for (let index = 0n; index < info.length; index++) {
        const position = arrayElementPosition(rel, index, elementBytes);
        const inner = `${suffix}[${index}]`;
        if (!flatten(scope, info.elementId, position.slot, position.offset, inner, leaves)) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}
