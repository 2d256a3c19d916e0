import { decodeJournalValue, encodeJournalValue, stringifyJournalValue } from "./json-codec";
import { declareStep, type StepDeclaration } from "./plan-preview";
import type { Plan } from "./plan-types";
import { redactSecrets } from "./redaction";
import type { RunState } from "./run-state";
import { pathOfTrail, type ValueTrail } from "./value-path";

/**
 * One field that differs between the plan a run was started with (as its journal keeps it)
 * and the plan given now, named by its path in what the plan hash covers: `planId`,
 * `hashInput.<path>` (e.g. `hashInput.to.creationBytecodeHash`), `steps.<step id>.<field>`.
 */
export interface PlanChange {
  path: string;
  /** The journal's value, shortened for one line; absent when the field is new. */
  before?: string;
  /** This plan's value, shortened for one line; absent when the field is gone. */
  after?: string;
}

/**
 * The fields in which `plan` differs from the plan the run of `state` was started with, as
 * Ignition's reconciliation names them; undefined for a journal written before RUN_STARTED
 * carried the hash input (only the hashes can then be compared). Secrets compare as the journal
 * keeps them (redacted), so a change of a secret alone shows as no field at all.
 */
export function diffPlanAgainstRun(state: RunState, plan: Plan): PlanChange[] | undefined {
  if (state.hashInput === undefined) return undefined;
  const changes: PlanChange[] = [];
  if (state.planId !== plan.id) {
    changes.push({ path: "planId", before: show(state.planId), after: show(plan.id) });
  }
  // The plan's input as the journal would keep it: redacted, then through the codec.
  const hashInput = decodeJournalValue(encodeJournalValue(redactSecrets(plan.hashInput).value));
  diffValues(["hashInput"], state.hashInput, hashInput, changes);
  diffSteps(
    state.steps,
    plan.steps.map((step) => declareStep(plan.id, step)),
    changes,
  );
  return changes;
}

function diffValues(trail: ValueTrail, before: unknown, after: unknown, out: PlanChange[]): void {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      trail.push(key);
      diffOptional(trail, before[key], after[key], out);
      trail.pop();
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index += 1) {
      trail.push(index);
      diffOptional(
        trail,
        index < before.length ? before[index] : undefined,
        index < after.length ? after[index] : undefined,
        out,
      );
      trail.pop();
    }
    return;
  }
  if (stringifyJournalValue(before) !== stringifyJournalValue(after)) {
    out.push({ path: pathOfTrail(trail), before: show(before), after: show(after) });
  }
}

function diffOptional(trail: ValueTrail, before: unknown, after: unknown, out: PlanChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) out.push({ path: pathOfTrail(trail), after: show(after) });
  else if (after === undefined) out.push({ path: pathOfTrail(trail), before: show(before) });
  else diffValues(trail, before, after, out);
}

/** The fields of a step the plan hash covers (plan-hash.ts), by name. */
function hashedShape(step: StepDeclaration): Record<string, unknown> {
  return {
    phase: step.phase,
    changesTarget: step.changesTarget,
    undo: typeof step.undo === "string" ? step.undo : Object.keys(step.undo)[0],
    verifies: step.verifies,
    rollsBack: step.rollsBack,
  };
}

function diffSteps(
  before: readonly StepDeclaration[],
  after: readonly StepDeclaration[],
  out: PlanChange[],
): void {
  const afterById = new Map(after.map((step) => [step.shortId, step]));
  const beforeIds = new Set(before.map((step) => step.shortId));
  for (const step of before) {
    const now = afterById.get(step.shortId);
    const trail: ValueTrail = ["steps", step.shortId];
    if (now === undefined) out.push({ path: pathOfTrail(trail), before: `${step.phase} step` });
    else diffValues(trail, hashedShape(step), hashedShape(now), out);
  }
  for (const step of after) {
    if (!beforeIds.has(step.shortId)) {
      out.push({ path: pathOfTrail(["steps", step.shortId]), after: `${step.phase} step` });
    }
  }
  const common = (steps: readonly StepDeclaration[], others: Set<string>) =>
    steps.map((step) => step.shortId).filter((id) => others.has(id));
  const orderBefore = common(before, new Set(afterById.keys()));
  const orderAfter = common(after, beforeIds);
  if (orderBefore.join() !== orderAfter.join()) {
    out.push({
      path: "steps (order)",
      before: shorten(orderBefore.join(", ")),
      after: shorten(orderAfter.join(", ")),
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

/** A value as one short piece of text: strings quoted, bigints as 1n, bytes as 0x hex. */
function show(value: unknown): string {
  let text: string;
  if (typeof value === "bigint") text = `${value}n`;
  else if (value instanceof Uint8Array) text = `0x${Buffer.from(value).toString("hex")}`;
  else {
    text =
      JSON.stringify(value, (_key, item: unknown) => {
        if (typeof item === "bigint") return `${item}n`;
        if (item instanceof Uint8Array) return `0x${Buffer.from(item).toString("hex")}`;
        return item;
      }) ?? String(value);
  }
  return shorten(text);
}

const MAX_SHOWN = 48;

/** Long values keep their start and end (where hashes and addresses differ to the eye). */
function shorten(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, 30)}…${text.slice(-12)}`;
}
