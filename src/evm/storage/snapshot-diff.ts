/**
 * The difference between two snapshots of one contract, value by value. Changes an upgrade is
 * expected to make (the implementation slot, `_initialized`, the pause flag, new variables) are
 * allow-listed by path pattern; every other change is unexpected and named with its variable,
 * slot, old and new value.
 */
import fs from "node:fs";
import { z } from "zod";
import { SnapshotInvalidError, SnapshotMismatchError } from "../layout-errors";
import { patternMatches } from "./mapping-keys";
import { SNAPSHOT_SCHEMA, type SnapshotValue, type StorageSnapshot } from "./snapshot";

/** A change the caller expects, by path pattern (`*` any characters, `[*]` any one key). */
export interface ExpectedChange {
  path: string;
  /** Why it is expected; shown in reports. */
  reason?: string;
}

/** One value that differs between the snapshots. */
export interface StorageChange {
  path: string;
  slot: string;
  type: string;
  /** `added`: only in the second snapshot (a new variable, a new key); `removed`: only in the first. */
  kind: "changed" | "added" | "removed";
  before: SnapshotValue | null;
  after: SnapshotValue | null;
  /** The allowlist entry that expected this change, when one did. */
  expectedBy?: ExpectedChange;
}

/** The result of a diff. */
export interface SnapshotDiff {
  before: { block: number; layoutHash: string };
  after: { block: number; layoutHash: string };
  unexpected: StorageChange[];
  expected: StorageChange[];
  /** Paths compared and found equal. */
  unchangedCount: number;
  /** Allowlist entries that matched no change (an upgrade that did not do what it should). */
  unmatchedExpectations: ExpectedChange[];
}

/** Options of a diff. */
export interface DiffOptions {
  expected?: ExpectedChange[];
  /** Treat a path present on one side only as unexpected only if its value is non-zero. */
  ignoreZeroOnOneSide?: boolean;
}

/** Compares two snapshots of the same contract on the same chain. */
export function diffSnapshots(
  before: StorageSnapshot,
  after: StorageSnapshot,
  options: DiffOptions = {},
): SnapshotDiff {
  if (before.chainId !== after.chainId) {
    throw new SnapshotMismatchError("chain id", String(before.chainId), String(after.chainId));
  }
  if (before.address.toLowerCase() !== after.address.toLowerCase()) {
    throw new SnapshotMismatchError("address", before.address, after.address);
  }
  const expectations = options.expected ?? [];
  const ignoreZero = options.ignoreZeroOnOneSide ?? true;
  const afterByPath = new Map(after.entries.map((entry) => [entry.path, entry]));
  const beforePaths = new Set<string>();
  const changes: StorageChange[] = [];
  let unchangedCount = 0;

  for (const old of before.entries) {
    beforePaths.add(old.path);
    const now = afterByPath.get(old.path);
    if (now === undefined) {
      if (ignoreZero && isZero(old.value)) continue;
      changes.push({
        path: old.path,
        slot: old.slot,
        type: old.type,
        kind: "removed",
        before: old.value,
        after: null,
      });
    } else if (now.value !== old.value || now.type !== old.type || now.slot !== old.slot) {
      changes.push({
        path: old.path,
        slot: now.slot,
        type: now.type,
        kind: "changed",
        before: old.value,
        after: now.value,
      });
    } else {
      unchangedCount++;
    }
  }
  for (const now of after.entries) {
    if (beforePaths.has(now.path)) continue;
    if (ignoreZero && isZero(now.value)) continue;
    changes.push({
      path: now.path,
      slot: now.slot,
      type: now.type,
      kind: "added",
      before: null,
      after: now.value,
    });
  }

  const matched = new Set<ExpectedChange>();
  const expected: StorageChange[] = [];
  const unexpected: StorageChange[] = [];
  for (const change of changes) {
    const by = expectations.find((expectation) => patternMatches(expectation.path, change.path));
    if (by) {
      matched.add(by);
      expected.push({ ...change, expectedBy: by });
    } else {
      unexpected.push(change);
    }
  }
  return {
    before: { block: before.block.number, layoutHash: before.layout.hash },
    after: { block: after.block.number, layoutHash: after.layout.hash },
    unexpected,
    expected,
    unchangedCount,
    unmatchedExpectations: expectations.filter((expectation) => !matched.has(expectation)),
  };
}

function isZero(value: SnapshotValue): boolean {
  if (typeof value === "boolean") return !value;
  return value === "" || value === "0" || /^0x0*$/i.test(value);
}

const entrySchema = z.object({
  path: z.string(),
  slot: z.string().regex(/^0x[0-9a-f]{64}$/),
  offset: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  type: z.string(),
  value: z.union([z.string(), z.boolean()]),
});

const snapshotSchema = z.object({
  schema: z.literal(SNAPSHOT_SCHEMA),
  chainId: z.number().int().positive(),
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  block: z.object({
    number: z.number().int().nonnegative(),
    hash: z.string(),
    timestamp: z.number(),
  }),
  layout: z.object({ contract: z.string().optional(), hash: z.string() }),
  readMode: z.enum(["override", "batch"]),
  slotsRead: z.number().int().nonnegative(),
  mappingKeys: z.record(z.string(), z.array(z.string())),
  warnings: z.array(z.string()),
  entries: z.array(entrySchema),
});

/** Reads and validates a snapshot file; throws AEGIS-E326 when it is not one. */
export function readSnapshotFile(file: string): StorageSnapshot {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new SnapshotInvalidError(file, (error as Error).message.split("\n")[0]!);
  }
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SnapshotInvalidError(file, `${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data as StorageSnapshot;
}
