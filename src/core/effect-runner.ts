import type { ContextHost } from "./context-host";
import type { EffectIo, EffectScope, EffectSpec, EffectState } from "./effect-types";
import { ERROR_CODES } from "./error-codes";
import {
  DuplicateEffectKeyError,
  EffectUnreconcilableError,
  NotJournalableError,
  isAegisError,
  toErrorRecord,
} from "./errors";
import { assertSafeId } from "./ids";
import { findStep } from "./run-state";
import { WaitSignal, isWaitSignal, normalizeAwaiting, type Awaiting } from "./wait-signal";

/**
 * Applies one declared effect with intent-before-effect journaling, or replays its journaled
 * outcome when a previous attempt applied it. Pending intents were reconciled before the step
 * was re-entered, so an effect found here is either applied (replay), known not applied (apply
 * again under a new intent), or new.
 */
export async function runEffect<T, I>(
  host: ContextHost,
  stepId: string,
  scope: EffectScope,
  key: string,
  spec: EffectSpec<T, I>,
  usedKeys: Set<string>,
): Promise<T> {
  assertSafeId("effect key", key);
  if (usedKeys.has(key)) throw new DuplicateEffectKeyError(stepId, key);
  usedKeys.add(key);
  host.assertHealthy();

  const existing = effectOf(host, stepId, scope, key);
  if (existing?.status === "applied") {
    host.emit({ type: "effect.replayed", step: stepId, scope, key });
    return existing.outcome as T;
  }
  if (existing && existing.status !== "not-applied") {
    // Unreachable through the engine (pending effects are reconciled first); refusing is the
    // only safe answer if it ever happens.
    throw new EffectUnreconcilableError(stepId, key);
  }

  const intent =
    typeof spec.intent === "function" ? await (spec.intent as () => unknown)() : spec.intent;
  host.record({ type: "EFFECT_INTENT", step: stepId, scope, key, intent });
  const started = performance.now();
  const io: EffectIo<I> = {
    // The journaled (redacted) form of the intent computed above: the same shape, I.
    intent: effectOf(host, stepId, scope, key)?.intent as I,
    note(data: unknown): void {
      host.record({ type: "EFFECT_NOTE", step: stepId, scope, key, data });
    },
    wait(awaiting: Awaiting): never {
      throw new WaitSignal(normalizeAwaiting(awaiting));
    },
  };

  let outcome: T;
  try {
    outcome = await spec.apply(io);
  } catch (error) {
    if (isWaitSignal(error)) throw error; // the intent stays pending; a resume reconciles it
    host.assertHealthy();
    const applied =
      isAegisError(error) && error.code === ERROR_CODES.EFFECT_NOT_APPLIED ? "no" : "unknown";
    const record = toErrorRecord(error);
    host.record({ type: "EFFECT_FAILED", step: stepId, scope, key, applied, error: record });
    throw error;
  }

  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  try {
    host.record({ type: "EFFECT_OUTCOME", step: stepId, scope, key, outcome, durationMs });
  } catch (error) {
    if (!(error instanceof NotJournalableError)) throw error;
    // The effect happened but its outcome cannot be stored: leave it to reconciliation rather
    // than pretend it did not happen.
    host.record({
      type: "EFFECT_FAILED",
      step: stepId,
      scope,
      key,
      applied: "unknown",
      error: error.toRecord(),
    });
    throw error;
  }
  // Return the journaled form so a live run sees exactly what a resumed run will replay.
  return effectOf(host, stepId, scope, key)?.outcome as T;
}

/** The journaled state of an effect of a step, if any. */
export function effectOf(
  host: ContextHost,
  stepId: string,
  scope: EffectScope,
  key: string,
): EffectState | undefined {
  const step = findStep(host.state, stepId);
  const effects = scope === "run" ? step?.effects : step?.rollback.effects;
  return effects?.find((effect) => effect.key === key);
}
