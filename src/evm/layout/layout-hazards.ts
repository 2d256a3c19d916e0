/**
 * Hazards that OpenZeppelin's storage comparison spells as several unrelated operations, named
 * for what they are: a gap resized to the wrong length, variables reordered, parents whose
 * inheritance order changed, linear variables moved into a namespace. Each takes the operations
 * it explains out of the one-by-one translation, so an auditor reads "reordered a, b -> b, a"
 * and not "deleted a, inserted a" with a hint to rename a variable that was kept.
 */
import type { ItemRef, LayoutFinding } from "./layout-findings";
import type { LayoutItem } from "./layout-compare";

/** One operation of OpenZeppelin's report, with its items resolved to the layouts' items. */
export interface ResolvedOp {
  kind: string;
  original?: LayoutItem;
  updated?: LayoutItem;
}

/** The hazards found, and which operations they explain. */
export interface NamedHazards {
  findings: LayoutFinding[];
  explained: Set<ResolvedOp>;
}

/** Operations that, inside a reordering, only say that a variable changed place. */
const MOVE_KINDS = new Set(["delete", "insert", "append", "layoutchange", "rename", "replace"]);

/** Whether an item is a storage gap (`__gap`, `__gap_<n>`, a fixed-size array). */
export const isGap = (item: LayoutItem) =>
  item.typeId.startsWith("t_array") && (item.label === "__gap" || item.label.startsWith("__gap_"));
/** The item's first byte, counted from its group's slot 0. */
export const beginOf = (item: LayoutItem) => item.relativeSlot * 32n + BigInt(item.offset);
/** The byte after the item's last one. */
export const endOf = (item: LayoutItem) => beginOf(item) + BigInt(item.bytes);

export const plainRef = (item: LayoutItem): ItemRef => ({
  contract: item.contract,
  label: item.label,
  type: item.type,
  slot: item.slot,
  offset: item.offset,
  ...(item.namespace ? { namespace: item.namespace } : {}),
});

const sameOrder = (a: string[], b: string[]) => a.join("\n") === b.join("\n");

/** Names the compound hazards among the operations. */
export function nameHazards(
  ops: ResolvedOp[],
  current: LayoutItem[],
  updated: LayoutItem[],
): NamedHazards {
  // The most derived contract is usually renamed between versions (V1 -> V2): its variables
  // are compared with the old most derived contract's when no contract of the old version has
  // its name.
  const lastContract = (items: LayoutItem[]) => items.filter((item) => !item.namespace).pop();
  const oldLast = lastContract(current)?.contract;
  const newLast = lastContract(updated)?.contract;
  const renamedLeaf =
    newLast !== undefined && !current.some((item) => item.contract === newLast) ? newLast : "";
  const contractOf = (item: LayoutItem) =>
    item.contract === renamedLeaf && oldLast !== undefined ? oldLast : item.contract;
  // Linear storage by contract, each namespace by itself: the groups whose order matters.
  const groupOf = (item: LayoutItem) => item.namespace ?? `linear:${contractOf(item)}`;

  const findings: LayoutFinding[] = [];
  const explained = new Set<ResolvedOp>();
  const explain = (predicate: (op: ResolvedOp) => boolean) => {
    for (const op of ops) if (!explained.has(op) && predicate(op)) explained.add(op);
  };
  const itemsOf = (op: ResolvedOp) =>
    [op.original, op.updated].filter((item): item is LayoutItem => item !== undefined);

  // Parents whose order changed: the contracts that own linear storage, in storage order.
  const contractOrder = (items: LayoutItem[]) => [
    ...new Set(items.filter((item) => !item.namespace).map(contractOf)),
  ];
  const before = contractOrder(current).filter((name) => contractOrder(updated).includes(name));
  const after = contractOrder(updated).filter((name) => before.includes(name));
  if (!sameOrder(before, after)) {
    const moved = before.filter((name, index) => after[index] !== name);
    findings.push({ kind: "parents-reordered", before, after, moved });
    explain(
      (op) =>
        MOVE_KINDS.has(op.kind) &&
        itemsOf(op).some((item) => !item.namespace && moved.includes(contractOf(item))),
    );
  }

  // Variables reordered inside one contract (or one namespace).
  const groups = new Set([...current, ...updated].map(groupOf));
  for (const group of groups) {
    const oldLabels = current.filter((item) => groupOf(item) === group).map((i) => i.label);
    const newLabels = updated.filter((item) => groupOf(item) === group).map((i) => i.label);
    const kept = oldLabels.filter((label) => newLabels.includes(label));
    const keptAfter = newLabels.filter((label) => kept.includes(label));
    if (sameOrder(kept, keptAfter)) continue;
    const sample = [...current, ...updated].find((item) => groupOf(item) === group)!;
    findings.push({
      kind: "storage-reordered",
      contract: sample.contract,
      ...(sample.namespace ? { namespace: sample.namespace } : {}),
      before: oldLabels,
      after: newLabels,
    });
    explain(
      (op) =>
        MOVE_KINDS.has(op.kind) &&
        itemsOf(op).some((item) => groupOf(item) === group && kept.includes(item.label)),
    );
  }

  // Linear variables deleted while a namespace of the new version declares them.
  const linearLabels = new Set(updated.filter((item) => !item.namespace).map((i) => i.label));
  const migrations = new Map<string, { namespace: string; variables: LayoutItem[] }>();
  for (const op of ops) {
    const original = op.original;
    if (op.kind !== "delete" || explained.has(op) || !original || original.namespace) continue;
    if (linearLabels.has(original.label)) continue;
    const target = updated.find((item) => item.namespace && item.label === original.label);
    if (!target) continue;
    const key = `${original.contract}|${target.namespace}`;
    const entry = migrations.get(key) ?? { namespace: target.namespace!, variables: [] };
    entry.variables.push(original);
    migrations.set(key, entry);
    explained.add(op);
  }
  for (const { namespace, variables } of migrations.values()) {
    findings.push({
      kind: "moved-into-namespace",
      contract: variables[0]!.contract,
      namespace,
      variables: variables.map(plainRef),
    });
  }

  // A gap whose new length does not end where the old one ended.
  for (const op of ops) {
    const { original, updated: next } = op;
    if (explained.has(op) || !original || !next || !isGap(original) || !isGap(next)) continue;
    if (!["typechange", "layoutchange", "shrinkgap", "finishgap"].includes(op.kind)) continue;
    if (endOf(original) === endOf(next)) continue;
    const length = /\[(\d+)\]$/.exec(next.type);
    const elementBytes = length ? BigInt(next.bytes) / BigInt(length[1]!) : 0n;
    const room = endOf(original) - beginOf(next);
    const requiredLength =
      elementBytes > 0n && room > 0n && room % elementBytes === 0n
        ? Number(room / elementBytes)
        : undefined;
    const shift = endOf(next) - endOf(original);
    // The items after the gap that moved by exactly the gap's error are its consequence.
    const moved = ops.filter(
      (other) =>
        other.kind === "layoutchange" &&
        other.original !== undefined &&
        other.updated !== undefined &&
        !isGap(other.original) &&
        (other.original.namespace ?? "") === (original.namespace ?? "") &&
        beginOf(other.original) >= endOf(original) &&
        beginOf(other.updated) - beginOf(other.original) === shift,
    );
    findings.push({
      kind: "gap-misused",
      original: plainRef(original),
      updated: plainRef(next),
      ...(requiredLength !== undefined ? { requiredLength } : {}),
      moved: moved.map((other) => other.original!.label),
    });
    explained.add(op);
    for (const other of moved) explained.add(other);
  }
  return { findings, explained };
}
