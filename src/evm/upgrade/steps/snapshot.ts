import { defineStep } from "../../../core/plan-types";
import type { PlanEnv } from "./plan-env";

/** What the run keeps from before the upgrade, read by later steps and by the rehearsal. */
export const STORAGE_BEFORE = { step: "snapshot", name: "storage-before.json" } as const;

/** Snapshots the proxy's storage at a pinned block, kept as an artifact for the diff after the upgrade. */
export function snapshotStep({ deps }: PlanEnv) {
  const { provider, snapshotter } = deps;
  return defineStep({
    id: "snapshot",
    title: "snapshot storage at a pinned block",
    phase: "prepare",
    changesTarget: false,
    async run(ctx) {
      const block = await provider.getBlockNumber();
      const taken = await snapshotter.take(block, "before");
      await ctx.writeArtifact(STORAGE_BEFORE.name, taken.json);
      return { block, slots: taken.slots, variables: taken.variables };
    },
    verify: ({ result }) => ({
      verdict: "go",
      figures: { block: result.block, slots: result.slots, variables: result.variables },
    }),
  });
}
