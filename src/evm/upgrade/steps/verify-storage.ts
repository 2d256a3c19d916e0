import { stringifyJournalValue } from "../../../core/json-codec";
import { defineStep } from "../../../core/plan-types";
import { stopUnless } from "./invariant-verdicts";
import { STORAGE_BEFORE } from "./snapshot";
import type { PlanEnv } from "./plan-env";

/** Diffs the storage after the upgrade against the snapshot: only the expected variables may change. */
export function verifyStorageStep({ input, deps }: PlanEnv) {
  const { provider, snapshotter } = deps;
  return defineStep({
    id: "verify-storage",
    title: "diff storage against the snapshot",
    phase: "validate",
    changesTarget: false,
    async run(ctx) {
      const block = await provider.getBlockNumber();
      const taken = await snapshotter.take(block, "after");
      await ctx.writeArtifact("storage-after.json", taken.json);
      const before = ctx.readArtifact(STORAGE_BEFORE.name, STORAGE_BEFORE.step).toString("utf8");
      const diff = snapshotter.diff(before, taken.json, input.expectedStorageChanges);
      await ctx.writeArtifact("storage-diff.json", stringifyJournalValue(diff));
      return { block, slots: taken.slots, expected: diff.expected, unexpected: diff.unexpected };
    },
    verify({ result }) {
      const figures: Record<string, unknown> = {
        block: result.block,
        slots: result.slots,
        unexpectedChanges: result.unexpected.length,
      };
      for (const change of result.expected)
        figures[change.variable] = { before: change.before, after: change.after };
      for (const change of result.unexpected.slice(0, 20)) {
        figures[`UNEXPECTED ${change.variable}`] = { before: change.before, after: change.after };
      }
      return stopUnless(
        result.unexpected.length === 0,
        figures,
        `${result.unexpected.length} stored value(s) changed unexpectedly: ${result.unexpected
          .slice(0, 3)
          .map((c) => `${c.variable} (slot ${c.slot})`)
          .join(", ")}`,
      );
    },
  });
}
