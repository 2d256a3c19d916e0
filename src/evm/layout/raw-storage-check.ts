/**
 * Raw storage access checked against the new version's layout: a slot that a declared variable
 * (linear or namespaced) occupies, or that another raw access names differently, is a conflict;
 * a slot no one else uses is listed for the auditor; a slot that cannot be computed is a warning
 * to review by hand. Accesses that name their slot the same way (one constant, one literal) are
 * one use: a getter and a setter of the same slot do not collide.
 */
import type { LayoutFinding, RawAccessRef } from "./layout-findings";
import type { LayoutItem } from "./layout-compare";
import type { RawAccess } from "./raw-storage";
import { addSlot, namespaceBaseSlot, slotHex } from "../storage/storage-slots";

/** What the check found. */
export interface RawStorageCheck {
  findings: LayoutFinding[];
  /** Every access with its verdict, as the report's table lists them. */
  accesses: (RawAccessRef & { verdict: "collision" | "outside-layout" | "unknown" })[];
}

const identityOf = (access: RawAccess) =>
  access.constant ?? (access.slot !== undefined ? `literal ${slotHex(access.slot)}` : "");

const refOf = (accesses: RawAccess[]): RawAccessRef => {
  const [first] = accesses as [RawAccess];
  return {
    contract: first.contract,
    operations: [...new Set(accesses.map((access) => access.operation))],
    slot: first.slot !== undefined ? slotHex(first.slot) : "?",
    ...(first.constant ? { constant: first.constant } : {}),
    ...(first.reason ? { reason: first.reason } : {}),
    locations: [...new Set(accesses.map((access) => access.location))],
  };
};

/** The declared item that occupies `slot`, if one does. */
function occupant(items: LayoutItem[], slot: bigint): LayoutItem | undefined {
  return items.find((item) => {
    if (!item.slotKnown) return false;
    const base = item.namespace ? (namespaceBaseSlot(item.namespace) ?? 0n) : 0n;
    const first = addSlot(base, item.relativeSlot);
    const count = BigInt(Math.ceil((item.offset + item.bytes) / 32));
    return slot >= first && slot < first + count;
  });
}

/** Checks the raw accesses of the new version against its layout items. */
export function checkRawStorage(accesses: RawAccess[], items: LayoutItem[]): RawStorageCheck {
  const findings: LayoutFinding[] = [];
  const listed: RawStorageCheck["accesses"] = [];
  for (const access of accesses.filter((found) => found.slot === undefined)) {
    const ref = refOf([access]);
    findings.push({ kind: "raw-slot-unknown", access: ref });
    listed.push({ ...ref, verdict: "unknown" });
  }
  const bySlot = new Map<bigint, Map<string, RawAccess[]>>();
  for (const access of accesses.filter((found) => found.slot !== undefined)) {
    const identities = bySlot.get(access.slot!) ?? new Map<string, RawAccess[]>();
    const group = identities.get(identityOf(access)) ?? [];
    group.push(access);
    identities.set(identityOf(access), group);
    bySlot.set(access.slot!, identities);
  }
  for (const [slot, identities] of bySlot) {
    const declared = occupant(items, slot);
    const groups = [...identities.values()].map(refOf);
    groups.forEach((ref, position) => {
      let collidesWith: string | undefined;
      if (declared !== undefined) {
        collidesWith =
          `the variable ${declared.contract}.${declared.label} (${declared.type}, ` +
          `${declared.namespace ? `${declared.namespace} ` : ""}slot ${declared.slot})`;
      } else if (groups.length > 1) {
        const other = groups[position === 0 ? 1 : 0]!;
        collidesWith = `the raw access ${other.constant ?? "by literal"} at ${other.locations[0]}`;
      }
      if (collidesWith !== undefined) {
        findings.push({ kind: "raw-slot-collision", access: ref, collidesWith });
        listed.push({ ...ref, verdict: "collision" });
      } else {
        findings.push({ kind: "raw-slot-outside-layout", access: ref });
        listed.push({ ...ref, verdict: "outside-layout" });
      }
    });
  }
  return { findings, accesses: listed };
}
