/** Verdicts and figures shared by the checklist's checkpoints. */
import type { VerifyResult } from "../../../core/plan-types";
import type { InvariantResult } from "../upgrade-preset";

/** The invariants that do not hold. */
export function failing(results: InvariantResult[]): InvariantResult[] {
  return results.filter((result) => !result.holds);
}

/** One line for a passing set of invariants. */
export function holdingMessage(results: InvariantResult[]): string {
  return `${results.length} invariants hold (${[...new Set(results.map((result) => result.id))].join(", ")})`;
}

/** Figures of invariant results, one entry each, for a verify's table. */
export function invariantFigures(results: InvariantResult[]): Record<string, unknown> {
  const figures: Record<string, unknown> = {};
  for (const result of results) {
    figures[result.id] = result.holds ? "holds" : `FAILS: ${result.violation}`;
    for (const [name, value] of Object.entries(result.figures))
      figures[`${result.id} ${name}`] = value;
  }
  return figures;
}

/** Figures of invariants after a change, each paired with the same figure before it. */
export function pairedInvariantFigures(before: InvariantResult[], after: InvariantResult[]) {
  const earlier = invariantFigures(before);
  const later = invariantFigures(after);
  return Object.fromEntries(
    Object.entries(later).map(([name, value]) =>
      name in earlier ? [name, { before: earlier[name], after: value }] : [name, value],
    ),
  );
}

/** Stop with `stopMessage` unless `ok`; go otherwise (with `goMessage`, if any). */
export function stopUnless(
  ok: boolean,
  figures: Record<string, unknown>,
  stopMessage: string,
  goMessage?: string,
): VerifyResult {
  if (!ok) return { verdict: "stop", figures, message: stopMessage };
  return goMessage === undefined
    ? { verdict: "go", figures }
    : { verdict: "go", figures, message: goMessage };
}
