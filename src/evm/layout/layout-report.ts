/**
 * The auditor's storage-layout report of an upgrade: for each target, every item of the current
 * and the new implementation with a verdict, the ERC-7201 namespaces with their recomputed base
 * slots, the live chain's bytes under every item the new version adds, and the ABI's breaking
 * changes. JSON schema `aegis.layout-report/1` (docs/layout-report.md); findings carry codes.
 */
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { compareAbis } from "./abi-compare";
import { hashLayout } from "../storage/contract-layout";
import {
  compareStorageLayouts,
  layoutItems,
  type ItemVerdict,
  type LayoutItem,
} from "./layout-compare";
import {
  describeFinding,
  type DescribedFinding,
  type ItemRef,
  type LayoutFinding,
} from "./layout-findings";
import type { NamespaceDeclaration } from "./namespaces";
import { checkRawStorage, type RawStorageCheck } from "./raw-storage-check";
import type { RawAccess } from "./raw-storage";
import type { StorageReader } from "../storage/storage-reader";
import { addSlot, extractBytes, namespaceBaseSlot, slotHex } from "../storage/storage-slots";

/** The schema id of the JSON report; bumped on any incompatible change. */
export const LAYOUT_REPORT_SCHEMA = "aegis.layout-report/1";

/** Where the current implementation's layout came from. */
export type LayoutSource =
  "project-record" | "openzeppelin-manifest" | "build-info" | "reference-build";

/** One version of a contract as the report compares it. */
export interface VersionInput {
  contract: string;
  layout: StorageLayout;
  abi?: unknown[];
  /** Namespace declarations found in its source (AST), to check constants against the formula. */
  namespaceDeclarations?: NamespaceDeclaration[];
  /** What the report cannot say about this version, and why (e.g. slots a build did not give). */
  caveats?: string[];
  /** Raw storage access found in its source (AST); absent when the source is not at hand. */
  rawAccesses?: RawAccess[];
}

/** One upgrade to report on. */
export interface TargetInput {
  /** Deployment name, proxy address, or `<old> -> <new>` for two contracts. */
  name: string;
  proxy?: string;
  /** How the proxy is upgraded, when the target is a live proxy (selects the ABI clash checks). */
  proxyKind?: "transparent" | "uups";
  current: VersionInput & { source: LayoutSource };
  updated: VersionInput;
  /** When given, the bytes under every added item are read at this block and must be zero. */
  live?: { reader: StorageReader; address: string; blockNumber: number };
}

/** An item as the JSON report carries it. */
export interface ReportItem extends ItemRef {
  bytes: number;
}

/** One row of the item table. */
export interface ReportRow {
  verdict: ItemVerdict;
  current?: ReportItem;
  updated?: ReportItem;
  note?: string;
}

/** A namespace of either version with its base slot from the formula. */
export interface ReportNamespace {
  namespace: string;
  baseSlot: string;
  inCurrent: boolean;
  inUpdated: boolean;
  /** What the new version's source declares: `match`, `mismatch`, `no-constant`, or `not-found`. */
  slotConstant: NamespaceDeclaration["status"] | "not-found";
  constants: string[];
}

/** The report of one target. */
export interface TargetReport {
  name: string;
  proxy?: string;
  current: { contract: string; layoutSource: LayoutSource; layoutHash: string };
  updated: { contract: string; layoutHash: string };
  rows: ReportRow[];
  namespaces: ReportNamespace[];
  findings: DescribedFinding[];
  /** The new version's raw storage accesses with their verdicts; null when its source was not read. */
  rawStorage: RawStorageCheck["accesses"] | null;
  /** What the report could not establish for this target, and why; absent when nothing. */
  caveats?: string[];
  openZeppelinPass: boolean;
  liveCheck: { block: number; slotsRead: number } | null;
  pass: boolean;
}

/** The whole report. */
export interface LayoutReport {
  schema: typeof LAYOUT_REPORT_SCHEMA;
  targets: TargetReport[];
  /** False when any target has a conflict: CI fails on it. */
  pass: boolean;
}

const toReportItem = (item: LayoutItem): ReportItem => ({
  contract: item.contract,
  label: item.label,
  type: item.type,
  slot: item.slot,
  offset: item.offset,
  bytes: item.bytes,
  ...(item.namespace ? { namespace: item.namespace } : {}),
});

/** Builds the report of one target. */
export async function buildTargetReport(input: TargetInput): Promise<TargetReport> {
  const comparison = compareStorageLayouts(input.current.layout, input.updated.layout);
  const findings: LayoutFinding[] = [...comparison.findings];

  const namespaces = new Map<string, ReportNamespace>();
  const noteNamespace = (namespace: string, side: "inCurrent" | "inUpdated") => {
    const base = namespaceBaseSlot(namespace);
    const row = namespaces.get(namespace) ?? {
      namespace,
      baseSlot: base === undefined ? "?" : slotHex(base),
      inCurrent: false,
      inUpdated: false,
      slotConstant: "not-found" as const,
      constants: [],
    };
    row[side] = true;
    namespaces.set(namespace, row);
  };
  for (const namespace of Object.keys(input.current.layout.namespaces ?? {})) {
    noteNamespace(namespace, "inCurrent");
  }
  for (const namespace of Object.keys(input.updated.layout.namespaces ?? {})) {
    noteNamespace(namespace, "inUpdated");
  }
  for (const declaration of input.updated.namespaceDeclarations ?? []) {
    const row = namespaces.get(declaration.namespace);
    if (row) {
      row.slotConstant = declaration.status;
      row.constants = declaration.constants.map((constant) => `${constant.name}=${constant.value}`);
    }
  }
  // Both versions' annotations are held to the formula: a current version whose constant is
  // wrong has been writing where its layout says nothing lives. One finding per declaration.
  const mismatches = new Map<string, NamespaceDeclaration>();
  for (const declaration of [
    ...(input.current.namespaceDeclarations ?? []),
    ...(input.updated.namespaceDeclarations ?? []),
  ]) {
    const key = `${declaration.contract}|${declaration.namespace}|${declaration.computed}`;
    if (declaration.status === "mismatch") mismatches.set(key, declaration);
  }
  for (const declaration of mismatches.values()) {
    findings.push({
      kind: "namespace-slot-mismatch",
      contract: declaration.contract,
      namespace: declaration.namespace,
      computed: declaration.computed,
      constants: declaration.constants.map((constant) => constant.value),
    });
  }

  let rawStorage: TargetReport["rawStorage"] = null;
  if (input.updated.rawAccesses !== undefined) {
    const checked = checkRawStorage(input.updated.rawAccesses, layoutItems(input.updated.layout));
    findings.push(...checked.findings);
    rawStorage = checked.accesses;
  }

  let liveCheck: TargetReport["liveCheck"] = null;
  if (input.live) {
    const currentNamespaces = new Set(Object.keys(input.current.layout.namespaces ?? {}));
    const added = comparison.items
      .filter(
        (row) =>
          row.updated !== undefined &&
          (row.verdict === "appended" ||
            (row.verdict === "gap-consumed" && row.current === undefined) ||
            (row.updated.namespace !== undefined && !currentNamespaces.has(row.updated.namespace))),
      )
      .map((row) => row.updated!);
    const { checked, slotsRead } = await checkAddedBytesZero(input.live, added);
    findings.push(...checked);
    liveCheck = { block: input.live.blockNumber, slotsRead };
  }

  const caveats = [...(input.current.caveats ?? []), ...(input.updated.caveats ?? [])];
  if (input.current.abi !== undefined && input.updated.abi !== undefined) {
    findings.push(...compareAbis(input.current.abi, input.updated.abi, input.proxyKind));
  } else if (!caveats.some((caveat) => caveat.startsWith("ABI changes are not compared"))) {
    caveats.push(`ABI changes are not compared: the ABI of ${input.current.contract} is not known`);
  }

  const described = findings.map(describeFinding);
  return {
    name: input.name,
    ...(input.proxy ? { proxy: input.proxy } : {}),
    current: {
      contract: input.current.contract,
      layoutSource: input.current.source,
      layoutHash: hashLayout(input.current.layout),
    },
    updated: { contract: input.updated.contract, layoutHash: hashLayout(input.updated.layout) },
    rows: comparison.items.map((row) => ({
      verdict: row.verdict,
      ...(row.current ? { current: toReportItem(row.current) } : {}),
      ...(row.updated ? { updated: toReportItem(row.updated) } : {}),
      ...(row.note ? { note: row.note } : {}),
    })),
    namespaces: [...namespaces.values()],
    findings: described,
    rawStorage,
    ...(caveats.length > 0 ? { caveats } : {}),
    openZeppelinPass: comparison.openZeppelinPass,
    liveCheck,
    pass: described.every((finding) => finding.severity !== "conflict"),
  };
}

/** Assembles target reports into the report. */
export function assembleLayoutReport(targets: TargetReport[]): LayoutReport {
  return { schema: LAYOUT_REPORT_SCHEMA, targets, pass: targets.every((target) => target.pass) };
}

async function checkAddedBytesZero(
  live: NonNullable<TargetInput["live"]>,
  items: LayoutItem[],
): Promise<{ checked: LayoutFinding[]; slotsRead: number }> {
  // Each item covers bytes [offset, offset + size) from its first slot on, over as many slots
  // as it needs; for a mapping or a dynamic array that is only its head slot.
  const spans = items.map((item) => {
    const base = item.namespace ? (namespaceBaseSlot(item.namespace) ?? 0n) : 0n;
    const first = addSlot(base, item.relativeSlot);
    const ranges: { slot: bigint; offset: number; size: number }[] = [];
    if (item.bytes <= 32 - item.offset) {
      ranges.push({ slot: first, offset: item.offset, size: item.bytes });
    } else {
      for (let index = 0; index * 32 < item.bytes; index++) {
        ranges.push({ slot: addSlot(first, BigInt(index)), offset: 0, size: 32 });
      }
    }
    return { item, ranges };
  });
  const slots = [...new Set(spans.flatMap((span) => span.ranges.map((range) => range.slot)))];
  const words = await live.reader.read(live.address, slots, `0x${live.blockNumber.toString(16)}`);
  const bySlot = new Map(slots.map((slot, index) => [slot, words[index]!]));
  const checked: LayoutFinding[] = [];
  for (const { item, ranges } of spans) {
    const dirty = ranges.find(
      (range) => extractBytes(bySlot.get(range.slot)!, range.offset, range.size) !== 0n,
    );
    if (dirty) {
      checked.push({
        kind: "added-bytes-not-zero",
        item: toReportItem(item),
        slot: slotHex(dirty.slot),
        word: slotHex(bySlot.get(dirty.slot)!),
      });
    }
  }
  return { checked, slotsRead: slots.length };
}
