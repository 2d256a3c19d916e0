/**
 * Item-by-item comparison of two storage layouts. OpenZeppelin's storage comparison
 * (`getStorageUpgradeReport`, what `validateUpgrade` runs) is the source of truth for
 * incompatibilities: each of its operations becomes a conflict finding. This module adds what
 * an auditor reads beside it: every item of both versions with its place and a verdict.
 */
import {
  getStorageUpgradeReport,
  withValidationDefaults,
  type StorageLayout,
} from "@openzeppelin/upgrades-core";
import type { ItemRef, LayoutFinding } from "./layout-findings";
import { beginOf, isGap, nameHazards, plainRef, type ResolvedOp } from "./layout-hazards";
import { addSlot, namespaceBaseSlot } from "../storage/storage-slots";

/** One storage item of one version, with its absolute place. */
export interface LayoutItem extends ItemRef {
  typeId: string;
  bytes: number;
  /** Slot relative to the namespace's base (equal to `slot` for linear storage), as a bigint. */
  relativeSlot: bigint;
  /** False when the build gave no slot (namespaces of a reference build compiled without
   * OpenZeppelin's namespaced pass): its place is then not compared. */
  slotKnown: boolean;
  src?: string;
  renamedFrom?: string;
  retypedFrom?: string;
}

/** What happened to an item between the versions. */
export type ItemVerdict =
  "unchanged" | "appended" | "renamed" | "retyped" | "gap-consumed" | "removed" | "conflict";

/** One row of the comparison: the item in the current version, in the new one, or both. */
export interface ItemComparison {
  verdict: ItemVerdict;
  current?: LayoutItem;
  updated?: LayoutItem;
  note?: string;
}

/** The comparison of two layouts. */
export interface LayoutComparison {
  items: ItemComparison[];
  /** OpenZeppelin's incompatibilities, one conflict finding each. */
  findings: LayoutFinding[];
  /** OpenZeppelin's own verdict (true when it reports nothing). */
  openZeppelinPass: boolean;
}

/** Every item of a layout, linear storage first, then each namespace. */
export function layoutItems(layout: StorageLayout): LayoutItem[] {
  const items: LayoutItem[] = [];
  const push = (
    entry: StorageLayout["storage"][number],
    namespace: string | undefined,
    base: bigint,
  ) => {
    const relative = BigInt(entry.slot ?? 0);
    const absolute = addSlot(base, relative);
    const slotKnown = entry.slot !== undefined;
    items.push({
      contract: entry.contract,
      label: entry.label,
      type: layout.types[entry.type]?.label ?? entry.type,
      typeId: entry.type,
      slot: !slotKnown
        ? "?"
        : absolute < 1n << 64n
          ? absolute.toString()
          : `0x${absolute.toString(16).padStart(64, "0")}`,
      relativeSlot: relative,
      slotKnown,
      offset: entry.offset ?? 0,
      bytes: Number(layout.types[entry.type]?.numberOfBytes ?? 32),
      namespace,
      src: entry.src,
      renamedFrom: entry.renamedFrom,
      retypedFrom: entry.retypedFrom,
    });
  };
  for (const entry of layout.storage) push(entry, undefined, 0n);
  for (const [namespace, entries] of Object.entries(layout.namespaces ?? {})) {
    const base = namespaceBaseSlot(namespace) ?? 0n;
    for (const entry of entries) push(entry, namespace, base);
  }
  return items;
}

const begin = beginOf;
const end = (item: LayoutItem) => begin(item) + BigInt(item.bytes);

/** A type change in the report's own words (OpenZeppelin's change kinds are its internals). */
const TYPE_CHANGES: Record<string, string> = {
  "obvious mismatch": "another kind of type",
  unknown: "a type whose compatibility cannot be established",
  "array grow": "a longer fixed-size array",
  "array shrink": "a shorter fixed-size array",
  "visibility change": "a function type of other visibility",
  "array dynamic": "a fixed-size array made dynamic, or the reverse",
  "type resize": "a type of another size",
  "missing members": "a type whose members the build does not list",
  "mapping key": "a mapping with another key type",
  "mapping value": "a mapping with another value type",
  "array value": "an array of another element type",
  "enum members": "an enum whose members changed",
  "struct members": "a struct whose members changed",
};

interface OzField {
  contract?: string;
  label: string;
  src?: string;
  slot?: string;
  offset?: number;
  type?: { id?: string; item?: { label?: string } };
}

/** Compares the current layout with the new one. */
export function compareStorageLayouts(
  current: StorageLayout,
  updated: StorageLayout,
): LayoutComparison {
  const report = getStorageUpgradeReport(current, updated, withValidationDefaults({}));
  const currentItems = layoutItems(current);
  const updatedItems = layoutItems(updated);

  const find = (field: OzField | undefined, pool: LayoutItem[]) =>
    field === undefined
      ? undefined
      : pool.find(
          (item) =>
            item.label === field.label && (field.src === undefined || item.src === field.src),
        );
  const refOf = (field: OzField, found: LayoutItem | undefined): ItemRef =>
    found
      ? plainRef(found)
      : {
          contract: field.contract ?? "?",
          label: field.label,
          type: field.type?.item?.label ?? field.type?.id ?? "?",
          slot: field.slot ?? "?",
          offset: field.offset ?? 0,
        };

  const resolved = report.ops.map((op) => ({
    op,
    resolved: {
      kind: op.kind,
      original: "original" in op ? find(op.original as OzField, currentItems) : undefined,
      updated: "updated" in op ? find(op.updated as OzField, updatedItems) : undefined,
    } satisfies ResolvedOp,
  }));
  const hazards = nameHazards(
    resolved.map((entry) => entry.resolved),
    currentItems,
    updatedItems,
  );
  const findings: LayoutFinding[] = [...hazards.findings];
  const conflicted = new Set<LayoutItem>();
  for (const { op, resolved: entry } of resolved) {
    if (entry.original) conflicted.add(entry.original);
    if (entry.updated) conflicted.add(entry.updated);
    if (hazards.explained.has(entry)) continue;
    const original = "original" in op ? refOf(op.original as OzField, entry.original) : undefined;
    const next = "updated" in op ? refOf(op.updated as OzField, entry.updated) : undefined;
    switch (op.kind) {
      case "insert":
      case "append":
        findings.push({ kind: "storage-inserted", item: next! });
        break;
      case "delete":
        findings.push({ kind: "storage-deleted", item: original! });
        break;
      case "delete-namespace":
        for (const item of currentItems) if (item.namespace === op.namespace) conflicted.add(item);
        findings.push({
          kind: "namespace-deleted",
          namespace: op.namespace,
          contract: op.original.contract,
        });
        break;
      case "replace":
        findings.push({ kind: "storage-replaced", original: original!, updated: next! });
        break;
      case "rename":
        // A "rename" onto a name the old version also has is a deletion: the hint to annotate a
        // rename would be wrong for a variable that was kept.
        findings.push(
          currentItems.some(
            (item) => item.label === next!.label && item.namespace === original!.namespace,
          )
            ? { kind: "storage-deleted", item: original! }
            : { kind: "storage-renamed", original: original!, updated: next! },
        );
        break;
      case "typechange":
        findings.push({
          kind: "storage-type-changed",
          original: original!,
          updated: next!,
          change: TYPE_CHANGES[op.change.kind] ?? "an incompatible type",
        });
        break;
      case "layoutchange":
        findings.push({ kind: "storage-moved", original: original!, updated: next! });
        break;
      case "shrinkgap":
      case "finishgap":
        findings.push({ kind: "gap-misused", original: original!, updated: next!, moved: [] });
        break;
      default: {
        const unreachable: never = op;
        throw new Error(`unknown storage operation ${JSON.stringify(unreachable)}`);
      }
    }
  }

  const items: ItemComparison[] = [];
  const matched = new Set<LayoutItem>();
  for (const item of updatedItems) {
    const group = currentItems.filter((candidate) => candidate.namespace === item.namespace);
    const previous =
      group.find((candidate) => candidate.label === item.label) ??
      group.find(
        (candidate) => item.renamedFrom !== undefined && candidate.label === item.renamedFrom,
      );
    let row: ItemComparison;
    if (previous !== undefined) {
      matched.add(previous);
      const samePlace = !previous.slotKnown || !item.slotKnown || begin(previous) === begin(item);
      if (isGap(previous) && isGap(item)) {
        row = {
          verdict: item.type === previous.type ? "unchanged" : "gap-consumed",
          current: previous,
          updated: item,
        };
      } else if (!samePlace) {
        row = {
          verdict: "conflict",
          current: previous,
          updated: item,
          note: `moved from slot ${previous.slot} offset ${previous.offset}`,
        };
      } else if (previous.type !== item.type) {
        row = { verdict: "retyped", current: previous, updated: item };
      } else if (previous.label !== item.label) {
        row = { verdict: "renamed", current: previous, updated: item };
      } else {
        row = { verdict: "unchanged", current: previous, updated: item };
      }
    } else {
      const inGap = group.some(
        (gap) => isGap(gap) && begin(item) >= begin(gap) && begin(item) < end(gap),
      );
      row = { verdict: inGap ? "gap-consumed" : "appended", updated: item };
    }
    if (conflicted.has(item) || (row.current !== undefined && conflicted.has(row.current))) {
      row = { ...row, verdict: "conflict" };
    }
    items.push(row);
  }
  for (const item of currentItems) {
    if (matched.has(item)) continue;
    items.push({ verdict: conflicted.has(item) ? "conflict" : "removed", current: item });
  }
  return { items, findings, openZeppelinPass: report.pass };
}
