/**
 * Findings of a layout report, as data: a `kind` union whose every member has a stable code, a
 * severity, a message and a hint (describeFinding's switch is checked complete by the compiler).
 * `conflict` fails the report; `breaking` is an ABI change integrators will meet; `info` is news.
 */

/** Where a storage item lives, as the report prints it. */
export interface ItemRef {
  contract: string;
  label: string;
  type: string;
  slot: string;
  offset: number;
  namespace?: string;
}

/** A raw storage access as the report prints it: one use of a slot, by one name. */
export interface RawAccessRef {
  contract: string;
  operations: string[];
  /** 0x hex, or `?` when it cannot be computed. */
  slot: string;
  constant?: string;
  reason?: string;
  locations: string[];
}

/** Every finding a layout report can carry. */
export type LayoutFinding =
  | { kind: "storage-inserted"; item: ItemRef }
  | { kind: "storage-deleted"; item: ItemRef }
  | { kind: "storage-replaced"; original: ItemRef; updated: ItemRef }
  | { kind: "storage-renamed"; original: ItemRef; updated: ItemRef }
  | { kind: "storage-type-changed"; original: ItemRef; updated: ItemRef; change: string }
  | { kind: "storage-moved"; original: ItemRef; updated: ItemRef }
  | {
      kind: "gap-misused";
      original: ItemRef;
      updated: ItemRef;
      /** The length that ends the gap where it ended; absent when no length can. */
      requiredLength?: number;
      /** Variables after the gap that move because of it. */
      moved: string[];
    }
  | {
      kind: "storage-reordered";
      contract: string;
      namespace?: string;
      before: string[];
      after: string[];
    }
  | { kind: "parents-reordered"; before: string[]; after: string[]; moved: string[] }
  | { kind: "moved-into-namespace"; contract: string; namespace: string; variables: ItemRef[] }
  | { kind: "namespace-deleted"; namespace: string; contract: string }
  | {
      kind: "namespace-slot-mismatch";
      contract: string;
      namespace: string;
      computed: string;
      constants: string[];
    }
  | { kind: "raw-slot-collision"; access: RawAccessRef; collidesWith: string }
  | { kind: "raw-slot-unknown"; access: RawAccessRef }
  | { kind: "raw-slot-outside-layout"; access: RawAccessRef }
  | { kind: "added-bytes-not-zero"; item: ItemRef; slot: string; word: string }
  | { kind: "function-removed"; signature: string }
  | { kind: "function-changed"; signature: string; change: string }
  | { kind: "event-removed"; signature: string }
  | { kind: "event-changed"; signature: string; change: string }
  | { kind: "selector-clash"; signature: string; selector: string; clashesWith: string };

/**
 * How much a finding matters: `warning` is for the auditor to review (the tool cannot decide);
 * only `conflict` fails the report.
 */
export type Severity = "conflict" | "breaking" | "warning" | "info";

/** A finding with its code, severity, message and hint, as written into reports. */
export interface DescribedFinding {
  code: string;
  severity: Severity;
  message: string;
  hint: string;
  finding: LayoutFinding;
}

function where(item: ItemRef): string {
  const place = item.namespace ? `${item.namespace} ` : "";
  return `${item.contract}.${item.label} (${item.type}, ${place}slot ${item.slot} offset ${item.offset})`;
}

function rawAccess(access: RawAccessRef): string {
  const named = access.constant ? ` through ${access.constant}` : "";
  return `${access.operations.join("/")} of ${access.contract}${named} (${access.locations.join(", ")})`;
}

/** The code, severity, message and hint of a finding. */
export function describeFinding(finding: LayoutFinding): DescribedFinding {
  const make = (code: string, severity: Severity, message: string, hint: string) => ({
    code,
    severity,
    message,
    hint,
    finding,
  });
  switch (finding.kind) {
    case "storage-inserted":
      return make(
        "LAYOUT-001",
        "conflict",
        `inserted ${where(finding.item)}: every item after it moves`,
        "declare new variables after all existing ones (or take the room from a gap)",
      );
    case "storage-deleted":
      return make(
        "LAYOUT-002",
        "conflict",
        `deleted ${where(finding.item)}: later items move, or its value is left behind`,
        "keep the variable (rename it to __deprecated_x if it is no longer used)",
      );
    case "storage-replaced":
      return make(
        "LAYOUT-003",
        "conflict",
        `replaced ${where(finding.original)} by ${where(finding.updated)}`,
        "keep the original variable in its place; declare the new one at the end",
      );
    case "storage-renamed":
      return make(
        "LAYOUT-004",
        "conflict",
        `renamed ${where(finding.original)} to ${finding.updated.label} without an annotation`,
        `annotate it /// @custom:oz-renamed-from ${finding.original.label} if the rename is intended`,
      );
    case "storage-type-changed":
      return make(
        "LAYOUT-005",
        "conflict",
        `changed the type of ${where(finding.original)} to ${finding.updated.type} (${finding.change})`,
        "keep the type; if the new type reads the old bytes correctly, annotate it " +
          `/// @custom:oz-retyped-from ${finding.original.type}`,
      );
    case "storage-moved":
      return make(
        "LAYOUT-006",
        "conflict",
        `moved ${where(finding.original)} to slot ${finding.updated.slot} offset ${finding.updated.offset}`,
        "keep the order and sizes of earlier variables so that this one stays in place",
      );
    case "gap-misused": {
      const { original, updated, requiredLength, moved } = finding;
      const after = moved.length > 0 ? `${moved.join(", ")} move` : "the items after it move";
      const element = updated.type.replace(/\[\d*\]$/, "");
      return requiredLength !== undefined
        ? make(
            "LAYOUT-007",
            "conflict",
            `gap ${where(original)} became ${updated.type}: it no longer ends where it did, so ` +
              `${after}; it must have ${requiredLength} elements`,
            `declare it as ${element}[${requiredLength}] ${updated.label}: a gap shrinks by ` +
              "exactly the slots the variables declared before it take",
          )
        : make(
            "LAYOUT-007",
            "conflict",
            `gap ${where(original)} became ${updated.type}: the variables declared before it ` +
              `take more room than the gap had, so ${after}`,
            "declare the new variables where the gap's room suffices, or after the last " +
              "variable of the most derived contract",
          );
    }
    case "storage-reordered":
      return make(
        "LAYOUT-011",
        "conflict",
        `reordered the variables of ${finding.contract}` +
          `${finding.namespace ? ` in ${finding.namespace}` : ""}: ` +
          `${finding.before.join(", ")} -> ${finding.after.join(", ")}; each variable that ` +
          "changed place would read another's bytes",
        `declare them in their old order (${finding.before.join(", ")}) and add new variables ` +
          "after the last one",
      );
    case "parents-reordered":
      return make(
        "LAYOUT-012",
        "conflict",
        `changed the order of inherited storage: ${finding.before.join(", ")} -> ` +
          `${finding.after.join(", ")}; the variables of ${finding.moved.join(", ")} change slots`,
        `inherit the parents in their old order so that storage stays ` +
          `${finding.before.join(", ")} (the order of the "is" list decides it)`,
      );
    case "moved-into-namespace": {
      const labels = finding.variables.map((variable) => variable.label);
      const slots = finding.variables.map((variable) => variable.slot);
      const copies = labels.map((label) => `$.${label} = __deprecated_${label};`).join(" ");
      return make(
        "LAYOUT-013",
        "conflict",
        `moved ${labels.join(", ")} of ${finding.contract} from linear slot` +
          `${slots.length > 1 ? "s" : ""} ${slots.join(", ")} into ${finding.namespace} ` +
          "without copying their values: the namespace starts empty and the values stay behind",
        `keep the old declarations in place, renamed (${labels.map((l) => `__deprecated_${l}`).join(", ")}), ` +
          "and copy them in a reinitializer called with the upgrade (upgradeAndCall): " +
          `function migrateStorage() external reinitializer(<next version>) { ${copies} }`,
      );
    }
    case "namespace-deleted":
      return make(
        "LAYOUT-008",
        "conflict",
        `namespace ${finding.namespace} of ${finding.contract} is gone: its values stay at the ` +
          "old base slot and nothing reads them",
        "keep the namespace id (and its struct) in the new version",
      );
    case "namespace-slot-mismatch":
      return make(
        "LAYOUT-009",
        "conflict",
        `${finding.contract}: ${finding.namespace} gives base slot ${finding.computed}, but the ` +
          `contract's constant is ${finding.constants.join(", ")}`,
        "recompute the constant from the ERC-7201 formula, or fix the annotation's id",
      );
    case "added-bytes-not-zero":
      return make(
        "LAYOUT-010",
        "conflict",
        `${where(finding.item)} is new, but slot ${finding.slot} already holds ${finding.word} ` +
          "on chain: the new variable would start with a stale value",
        "find what wrote there (a previous version, a delegatecall); move the variable or " +
          "clear the slot in the reinitializer on purpose",
      );
    case "raw-slot-collision":
      return make(
        "LAYOUT-014",
        "conflict",
        `raw storage access ${rawAccess(finding.access)} reaches slot ${finding.access.slot}, ` +
          `which ${finding.collidesWith} also uses: one overwrites the other`,
        "give the raw access a slot of its own (an ERC-7201 or EIP-1967-style hashed slot " +
          "that no variable uses), or use the declared variable instead",
      );
    case "raw-slot-unknown":
      return make(
        "LAYOUT-015",
        "warning",
        `raw storage access ${rawAccess(finding.access)}: its slot cannot be computed from ` +
          `constants (${finding.access.reason ?? "unknown"})`,
        "review by hand which slots it can reach; if it is fixed, declare it as a constant so " +
          "that the report can check it",
      );
    case "raw-slot-outside-layout":
      return make(
        "LAYOUT-016",
        "info",
        `raw storage access ${rawAccess(finding.access)} uses slot ${finding.access.slot}, ` +
          "which no declared variable and no other raw access uses",
        "nothing to do; keep the slot's constant unchanged in later versions",
      );
    case "function-removed":
      return make(
        "ABI-001",
        "breaking",
        `function ${finding.signature} was removed`,
        "integrators calling it will revert; keep it (deprecated) or announce the change",
      );
    case "function-changed":
      return make(
        "ABI-002",
        "breaking",
        `function ${finding.signature} changed: ${finding.change}`,
        "integrators decoding its result or relying on its mutability must update",
      );
    case "event-removed":
      return make(
        "ABI-003",
        "breaking",
        `event ${finding.signature} was removed`,
        "indexers listening for it will go silent; keep emitting it or announce the change",
      );
    case "event-changed":
      return make(
        "ABI-004",
        "breaking",
        `event ${finding.signature} changed: ${finding.change}`,
        "indexers filtering on its topics must update",
      );
    case "selector-clash":
      return make(
        "ABI-005",
        "conflict",
        `function ${finding.signature} has selector ${finding.selector}, the same as ` +
          `${finding.clashesWith}`,
        "rename the function: behind a transparent proxy one of the two can never be called",
      );
    default: {
      const unreachable: never = finding;
      throw new Error(`unknown finding ${JSON.stringify(unreachable)}`);
    }
  }
}
