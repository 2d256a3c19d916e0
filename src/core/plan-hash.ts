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
  // The canonical text of { hashVersion, planId, hashInput, steps }, written a step at a time:
  // "steps" sorts last, so the text is that of the object without steps up to its closing
  // "]}", then each step's text. Holding the encoded copy and the text of a 100,000-step plan
  // whole cost more (in garbage collection) than hashing it.
  const head = canonicalStringify({
    hashVersion: 1,
    planId: plan.id,
    hashInput: plan.hashInput,
    steps: [],
  });
  const hash = createHash("sha256");
  let text = head.slice(0, -"]}".length);
  plan.steps.forEach((step, index) => {
    if (index > 0) text += ",";
    // Keys in sorted order: the text does not depend on it, but canonicalising is cheaper.
    text += canonicalStringify({
      changesTarget: step.changesTarget,
      id: step.id,
      phase: step.phase,
      rollsBack: typeof step.rollback === "function",
      undo: undoKind(step.undo),
      verifies: typeof step.verify === "function",
    });
    if (text.length >= 65_536) {
      hash.update(text, "utf8");
      text = "";
    }
  });
  return hash.update(`${text}]}`, "utf8").digest("hex");
}

/** A short form of a hash for people: the first 4 and last 3 hex digits (`3f9a…c21`). */
export function shortHash(hash: string): string {
  return hash.length > 10 ? `${hash.slice(0, 4)}…${hash.slice(-3)}` : hash;
}

function undoKind(undo: Plan["steps"][number]["undo"]): string {
  if (undo === undefined || undo === "reversible") return "reversible";
  return "partial" in undo ? "partial" : "irreversible";
}
