import { InvalidIdError } from "./errors";

/**
 * Ids end up in file names (run folders, artifact files, lock files) and in URLs of reports,
 * so they are restricted to a portable, shell-safe alphabet.
 */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether a string is a safe id (1-64 chars of [A-Za-z0-9._-], not starting with . _ -). */
export function isSafeId(id: unknown): id is string {
  return typeof id === "string" && SAFE_ID.test(id) && !id.includes("..");
}

/** Throws AEGIS-E101 unless the id is safe; `what` names the kind of id in the message. */
export function assertSafeId(what: string, id: unknown): asserts id is string {
  if (!isSafeId(id)) throw new InvalidIdError(what, String(id));
}

/** The full id of a step: `<plan>#<step>`. */
export function fullStepId(planId: string, stepId: string): string {
  return `${planId}#${stepId}`;
}

/** The step part of a full step id (`engine-v2#pause` -> `pause`); short ids pass unchanged. */
export function shortStepId(stepId: string): string {
  const hash = stepId.indexOf("#");
  return hash === -1 ? stepId : stepId.slice(hash + 1);
}
