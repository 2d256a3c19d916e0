import {
  DuplicateStepIdError,
  InvalidStepError,
  PhaseOrderError,
  UndoDeclarationError,
} from "./errors";
import { assertSafeId } from "./ids";
import { isPhase, phaseRank } from "./phases";
import type { Plan, Step } from "./plan-types";

/** Checks a plan's ids, phase order and undo declarations; throws the first problem found. */
export function validatePlan(plan: Plan): void {
  if (plan === null || typeof plan !== "object")
    throw new InvalidStepError("plan", "is not an object");
  assertSafeId("plan id", plan.id);
  if (!("hashInput" in plan) || plan.hashInput === undefined) {
    throw new InvalidStepError(`plan ${plan.id}`, "has no hashInput");
  }
  if (!Array.isArray(plan.steps) || plan.steps.length === 0) {
    throw new InvalidStepError(`plan ${plan.id}`, "has no steps");
  }
  const seen = new Set<string>();
  let previous: Step<unknown> | undefined;
  for (const step of plan.steps) {
    assertSafeId("step id", step?.id);
    const name = `${plan.id}#${step.id}`;
    if (seen.has(step.id)) throw new DuplicateStepIdError(name);
    seen.add(step.id);
    if (!isPhase(step.phase))
      throw new InvalidStepError(`step ${name}`, `has unknown phase ${String(step.phase)}`);
    if (typeof step.run !== "function")
      throw new InvalidStepError(`step ${name}`, "has no run function");
    if (typeof step.changesTarget !== "boolean") {
      throw new InvalidStepError(`step ${name}`, "does not declare changesTarget");
    }
    if (previous && phaseRank(step.phase) < phaseRank(previous.phase)) {
      throw new PhaseOrderError(name, step.phase, previous.phase);
    }
    validateUndo(name, step);
    previous = step;
  }
}

function validateUndo(name: string, step: Step<unknown>): void {
  const undo = step.undo;
  const hasRollback = typeof step.rollback === "function";
  if (undo === undefined) {
    if (step.changesTarget)
      throw new UndoDeclarationError(name, "changes the target but does not declare undo");
    return;
  }
  if (undo === "reversible") {
    if (step.changesTarget && !hasRollback) {
      throw new UndoDeclarationError(name, "declares undo: reversible but has no rollback");
    }
    return;
  }
  if (typeof undo === "object" && undo !== null) {
    if ("partial" in undo && typeof undo.partial === "string" && undo.partial.trim()) {
      if (!hasRollback)
        throw new UndoDeclarationError(name, "declares a partial undo but has no rollback");
      return;
    }
    if (
      "irreversible" in undo &&
      typeof undo.irreversible === "string" &&
      undo.irreversible.trim()
    ) {
      if (hasRollback) {
        throw new UndoDeclarationError(
          name,
          "declares undo irreversible but has a rollback (declare partial)",
        );
      }
      return;
    }
  }
  throw new UndoDeclarationError(name, `has an invalid undo declaration ${JSON.stringify(undo)}`);
}
