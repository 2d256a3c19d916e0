import { fullStepId } from "./ids";
import type { Phase } from "./phases";
import type { Plan, Step, Undo } from "./plan-types";

/** What the journal and the preview record about a step (everything but its functions). */
export interface StepDeclaration {
  /** Full id `<plan>#<step>`. */
  id: string;
  shortId: string;
  title?: string;
  phase: Phase;
  changesTarget: boolean;
  undo: Undo;
  verifies: boolean;
  rollsBack: boolean;
  /** describe()'s line, when the step has one. */
  description?: string;
}

/** A plan as shown before anything runs: every step, and those that cannot be fully undone. */
export interface PlanPreview {
  planId: string;
  title?: string;
  planHash: string;
  steps: StepDeclaration[];
  /** Target-changing steps whose undo is partial or impossible, with the reason. */
  notFullyReversible: Array<{ id: string; undo: "partial" | "irreversible"; why: string }>;
}

/** The declaration of one step; a throwing describe() is shown, not propagated. */
export function declareStep(planId: string, step: Step<unknown>): StepDeclaration {
  const declaration: StepDeclaration = {
    id: fullStepId(planId, step.id),
    shortId: step.id,
    phase: step.phase,
    changesTarget: step.changesTarget,
    undo: step.undo ?? "reversible",
    verifies: typeof step.verify === "function",
    rollsBack: typeof step.rollback === "function",
  };
  if (step.title !== undefined) declaration.title = step.title;
  if (typeof step.describe === "function") {
    try {
      declaration.description = String(step.describe());
    } catch (error) {
      // A preview must never stop a run from being inspected; the failure is shown instead.
      declaration.description = `(describe failed: ${error instanceof Error ? error.message : String(error)})`;
    }
  }
  return declaration;
}

/** Builds the preview of a plan (call validatePlan first). */
export function previewPlan(plan: Plan, planHash: string): PlanPreview {
  const steps = plan.steps.map((step) => declareStep(plan.id, step));
  const preview: PlanPreview = {
    planId: plan.id,
    planHash,
    steps,
    notFullyReversible: notFullyReversible(steps),
  };
  if (plan.title !== undefined) preview.title = plan.title;
  return preview;
}

/** The target-changing steps of a list whose undo is partial or impossible. */
export function notFullyReversible(
  steps: readonly StepDeclaration[],
): PlanPreview["notFullyReversible"] {
  const out: PlanPreview["notFullyReversible"] = [];
  for (const step of steps) {
    if (!step.changesTarget || step.undo === "reversible") continue;
    if ("partial" in step.undo) out.push({ id: step.id, undo: "partial", why: step.undo.partial });
    else out.push({ id: step.id, undo: "irreversible", why: step.undo.irreversible });
  }
  return out;
}
