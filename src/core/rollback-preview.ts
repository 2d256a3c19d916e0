import { fullStepId } from "./ids";
import type { Plan } from "./plan-types";
import { rollbackCandidates } from "./run-session";
import { findStep, mayHaveChangedTarget, type RunState } from "./run-state";

/** What a rollback of a run will do to one step, said before it starts. */
export interface RollbackPreviewItem {
  id: string;
  shortId: string;
  /** undo: its rollback runs; irreversible: it changed the target and cannot be undone. */
  action: "undo" | "irreversible";
  /** What the rollback does (the step's describeRollback), or why it cannot be undone. */
  description?: string;
}

/**
 * The steps a rollback of `state` will undo, last first, and those it cannot undo, for the
 * confirmation a rollback asks for. Steps that applied nothing are left out: there is nothing
 * of theirs to undo. A rollback already under way lists only what is left of it.
 */
export function previewRollback(plan: Plan, state: RunState): RollbackPreviewItem[] {
  const ids =
    state.mode === "rollback" && state.rollback
      ? state.rollback.steps.filter((id) => {
          const status = findStep(state, id)?.rollback.status;
          return status !== "rolled-back" && status !== "skipped";
        })
      : rollbackCandidates(state);
  const items: RollbackPreviewItem[] = [];
  for (const id of ids) {
    const step = findStep(state, id);
    const planStep = plan.steps.find((candidate) => fullStepId(plan.id, candidate.id) === id);
    if (step === undefined || planStep === undefined || !mayHaveChangedTarget(step)) continue;
    if (planStep.rollback === undefined) {
      const why =
        typeof step.undo === "object" && "irreversible" in step.undo
          ? step.undo.irreversible
          : undefined;
      items.push({
        id,
        shortId: step.shortId,
        action: "irreversible",
        ...(why === undefined ? {} : { description: why }),
      });
      continue;
    }
    const description = planStep.describeRollback?.();
    items.push({
      id,
      shortId: step.shortId,
      action: "undo",
      ...(description === undefined ? {} : { description }),
    });
  }
  return items;
}
