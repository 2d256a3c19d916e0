import type { ContextHost } from "./context-host";
import type { EffectScope, ReconcilePort, ReconcileResult } from "./effect-types";
import { ERROR_CODES } from "./error-codes";
import {
  EffectUnreconcilableError,
  InvalidReconcileResultError,
  ReconcileFailedError,
  type AegisError,
  isAegisError,
} from "./errors";
import { findStep } from "./run-state";
import { normalizeAwaiting, type Awaiting } from "./wait-signal";

/** What reconciling a step's pending effects concluded. */
export type ReconcileOutcome =
  | { kind: "resolved" }
  | { kind: "pending"; awaiting: Awaiting }
  | { kind: "failed"; error: AegisError };

/**
 * Asks the reconcile port about every effect of a step whose intent has no outcome (a crash
 * between intent and outcome, a wait inside apply, or an apply that threw without saying
 * nothing happened), and journals each answer. Nothing is ever re-applied blindly.
 * With `missingPortOk`, effects stay unresolved when there is no port (a rollback then sees
 * them as they are) instead of failing.
 */
export async function reconcilePendingEffects(
  host: ContextHost,
  stepId: string,
  scope: EffectScope,
  port: ReconcilePort | undefined,
  missingPortOk = false,
): Promise<ReconcileOutcome> {
  const step = findStep(host.state, stepId);
  const effects = (scope === "run" ? step?.effects : step?.rollback.effects) ?? [];
  for (const effect of effects) {
    if (effect.status !== "intent" && effect.status !== "failed") continue;
    if (port === undefined) {
      if (missingPortOk) continue;
      return { kind: "failed", error: new EffectUnreconcilableError(stepId, effect.key) };
    }
    let result: ReconcileResult;
    try {
      result = await port({
        stepId,
        key: effect.key,
        scope,
        intent: effect.intent,
        notes: effect.notes,
        status: effect.status,
        ...(effect.error === undefined ? {} : { error: effect.error }),
      });
      checkResult(stepId, effect.key, result);
    } catch (error) {
      host.assertHealthy();
      if (isAegisError(error) && error.code === ERROR_CODES.INVALID_RECONCILE_RESULT)
        return { kind: "failed", error };
      return { kind: "failed", error: new ReconcileFailedError(stepId, effect.key, error) };
    }
    if (result.status === "applied") {
      host.record({
        type: "EFFECT_RECONCILED",
        step: stepId,
        scope,
        key: effect.key,
        result: "applied",
        outcome: result.outcome,
      });
    } else if (result.status === "not-applied") {
      host.record({
        type: "EFFECT_RECONCILED",
        step: stepId,
        scope,
        key: effect.key,
        result: "not-applied",
      });
    } else {
      const awaiting = normalizeAwaiting(result.awaiting);
      host.record({
        type: "EFFECT_RECONCILED",
        step: stepId,
        scope,
        key: effect.key,
        result: "pending",
        awaiting,
      });
      return { kind: "pending", awaiting };
    }
  }
  return { kind: "resolved" };
}

function checkResult(
  stepId: string,
  key: string,
  result: unknown,
): asserts result is ReconcileResult {
  const candidate = result as Partial<ReconcileResult> | null | undefined;
  const status = candidate?.status;
  const ok =
    (status === "applied" && "outcome" in (candidate as object)) ||
    status === "not-applied" ||
    (status === "pending" &&
      typeof (candidate as { awaiting?: { reason?: unknown } }).awaiting?.reason === "string");
  if (!ok) {
    let shown: string;
    try {
      shown = JSON.stringify(result) ?? String(result);
    } catch {
      shown = String(result);
    }
    throw new InvalidReconcileResultError(stepId, key, shown);
  }
}
