import { parseJournalValue, stringifyJournalValue } from "../../../core/json-codec";
import { defineStep } from "../../../core/plan-types";
import { failing, holdingMessage, pairedInvariantFigures, stopUnless } from "./invariant-verdicts";
import { STATE_BEFORE } from "./record-invariants";
import type { recordInvariantsStep } from "./record-invariants";
import type { PlanEnv } from "./plan-env";

/** Runs the invariants again and compares the state with the one recorded before the upgrade. */
export function invariantsStep(
  { readRecord, deps }: PlanEnv,
  earlier: { recordInvariants: ReturnType<typeof recordInvariantsStep> },
) {
  const { provider, preset } = deps;
  return defineStep({
    id: "invariants",
    title: `${preset.name} invariants, before and after`,
    phase: "validate",
    changesTarget: false,
    async run(ctx) {
      const block = await provider.getBlockNumber();
      const before = parseJournalValue(
        ctx.readArtifact(STATE_BEFORE.name, STATE_BEFORE.step).toString("utf8"),
      );
      const after = await preset.readState(provider, readRecord(), block);
      await ctx.writeArtifact("state-after.json", stringifyJournalValue(after));
      const beforeResults = ctx.output(earlier.recordInvariants).results;
      return { block, results: preset.compareStates(before, after), beforeResults };
    },
    verify({ result }) {
      const broken = failing(result.results);
      const figures = pairedInvariantFigures(result.beforeResults, result.results);
      return stopUnless(
        broken.length === 0,
        figures,
        broken.map((r) => `${r.id} ${r.violation}`).join("; "),
        `${holdingMessage(result.results)}, before and after`,
      );
    },
  });
}
