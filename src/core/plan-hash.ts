import { createHash } from "node:crypto";

import { canonicalStringify } from "./json-codec";
import type { Plan } from "./plan-types";

/**
 * The content hash of a plan: sha256 over a canonical (key-sorted, bigint-tagged) text of the
 * plan id, its hashInput and the shape of its steps (ids, phases, flags, undo kind). Titles and
 * descriptions are not covered: rewording a step must not invalidate a rehearsal, but changing
 * what it does (its inputs) or which steps run must.
 */
export function computePlanHash(plan: Plan): string {
  // Keys in sorted order: the text does not depend on it, but canonicalising is cheaper.
  const shape = plan.steps.map((step) => ({
    changesTarget: step.changesTarget,
    id: step.id,
    phase: step.phase,
    rollsBack: typeof step.rollback === "function",
    undo: undoKind(step.undo),
    verifies: typeof step.verify === "function",
  }));
  const text = canonicalStringify({
    hashVersion: 1,
    planId: plan.id,
    hashInput: plan.hashInput,
    steps: shape,
  });
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A short form of a hash for people: the first 4 and last 3 hex digits (`3f9a…c21`). */
export function shortHash(hash: string): string {
  return hash.length > 10 ? `${hash.slice(0, 4)}…${hash.slice(-3)}` : hash;
}

function undoKind(undo: Plan["steps"][number]["undo"]): string {
  if (undo === undefined || undo === "reversible") return "reversible";
  return "partial" in undo ? "partial" : "irreversible";
}
