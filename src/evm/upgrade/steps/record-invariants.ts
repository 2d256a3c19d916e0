import { stringifyJournalValue } from "../../../core/json-codec";
import { defineStep } from "../../../core/plan-types";
import { failing, holdingMessage, invariantFigures, stopUnless } from "./invariant-verdicts";
import type { snapshotStep } from "./snapshot";
import type { PlanEnv } from "./plan-env";

/** The protocol state before the upgrade, read by the invariants step and by the rehearsal. */
export const STATE_BEFORE = { step: "record-invariants", name: "state-before.json" } as const;

/** Records the invariants' figures at the snapshot's block, for the comparison after the upgrade. */
export function recordInvariantsStep(
  { readRecord, deps }: PlanEnv,
  earlier: { snapshot: ReturnType<typeof snapshotStep> },
) {
  const { provider, preset } = deps;
  return defineStep({
    id: "record-invariants",
    title: "record the invariants' figures",
    phase: "prepare",
    changesTarget: false,
    async run(ctx) {
      const block = ctx.output(earlier.snapshot).block;
      const state = await preset.readState(provider, readRecord(), block);
      await ctx.writeArtifact(STATE_BEFORE.name, stringifyJournalValue(state));
      return { block, results: preset.checkState(state) };
    },
    verify({ result }) {
      const broken = failing(result.results);
      return stopUnless(
        broken.length === 0,
        invariantFigures(result.results),
        broken.map((r) => `${r.id} ${r.violation}`).join("; "),
        holdingMessage(result.results),
      );
    },
  });
}
