import { readArtifact, writeArtifact } from "./artifact-store";
import type { ContextHost } from "./context-host";
import type { EffectScope, EffectSpec } from "./effect-types";
import { OutputUnavailableError } from "./errors";
import { runEffect } from "./effect-runner";
import { EffectInReadOnlyStepError } from "./errors";
import type {
  BaseContext,
  RollbackContext,
  RollbackReason,
  Step,
  StepContext,
  VerifyContext,
} from "./plan-types";
import { findStep, type StepState } from "./run-state";
import { WaitSignal, normalizeAwaiting, type Awaiting } from "./wait-signal";

/**
 * The objects handed to a step's run, verify and rollback. A context belongs to one attempt:
 * once the engine has journaled the attempt's end, the context refuses further use, so a
 * promise a step forgot to await cannot write into a later part of the journal.
 */
export interface ContextHandle<C> {
  context: C;
  /** Makes the context refuse any further call. */
  close(): void;
}

/** Creates the context of one attempt of a step's run. */
export function createStepContext(
  host: ContextHost,
  step: StepState,
  attempt: number,
): ContextHandle<StepContext> {
  const state = { closed: false };
  const usedKeys = new Set<string>();
  const context: StepContext = Object.assign(baseContext(host, step, state), {
    attempt,
    effect<T, I = unknown>(key: string, spec: EffectSpec<T, I>): Promise<T> {
      guard(state, step.id);
      if (!step.changesTarget) return Promise.reject(new EffectInReadOnlyStepError(step.id, key));
      return runEffect(host, step.id, "run", key, spec, usedKeys);
    },
    async writeArtifact(name: string, data: string | Uint8Array) {
      guard(state, step.id);
      return writeArtifact(host, step.id, name, data);
    },
    wait(awaiting: Awaiting): never {
      throw new WaitSignal(normalizeAwaiting(awaiting));
    },
  });
  return { context, close: () => void (state.closed = true) };
}

/** Creates the context of a step's verify. */
export function createVerifyContext(
  host: ContextHost,
  step: StepState,
): ContextHandle<VerifyContext> {
  const state = { closed: false };
  const context: VerifyContext = Object.assign(baseContext(host, step, state), {
    result: step.output,
  });
  return { context, close: () => void (state.closed = true) };
}

/** Creates the context of one attempt of a step's rollback. */
export function createRollbackContext(
  host: ContextHost,
  step: StepState,
  reason: RollbackReason,
): ContextHandle<RollbackContext> {
  const state = { closed: false };
  const usedKeys = new Set<string>();
  const scope: EffectScope = "rollback";
  const context: RollbackContext = Object.assign(baseContext(host, step, state), {
    reason,
    result: step.hasOutput ? step.output : undefined,
    completed: step.status === "completed" || step.status === "stopped",
    forwardEffects: step.effects,
    effect<T, I = unknown>(key: string, spec: EffectSpec<T, I>): Promise<T> {
      guard(state, step.id);
      return runEffect(host, step.id, scope, key, spec, usedKeys);
    },
    wait(awaiting: Awaiting): never {
      throw new WaitSignal(normalizeAwaiting(awaiting));
    },
  });
  return { context, close: () => void (state.closed = true) };
}

// The contexts add their fields to the base object with Object.assign rather than spreading it
// into a new literal: V8 (Node 20) adds keys to a spread copy on a slow path, about 2.5 µs per
// key, which made building a step's context cost more than journaling its start.
function baseContext(host: ContextHost, step: StepState, state: { closed: boolean }): BaseContext {
  return {
    runId: host.runId,
    planId: host.plan.id,
    stepId: step.id,
    runDir: host.runDir,
    dryRun: host.state.dryRun,
    output<T>(of: Step<T> | string): T {
      const ref = idOf(of as Step<unknown> | string);
      const target = findStep(host.state, ref);
      if (!target) throw new OutputUnavailableError(step.id, ref, "is not a step of this plan");
      if (!target.hasOutput) {
        const why =
          target.status === "skipped" ? "was skipped by the dry run" : `is ${target.status}`;
        throw new OutputUnavailableError(step.id, target.id, why);
      }
      return target.output as T;
    },
    hasOutput(ref: Step<unknown> | string): boolean {
      return findStep(host.state, idOf(ref))?.hasOutput ?? false;
    },
    readArtifact(name: string, of?: Step<unknown> | string): Buffer {
      guard(state, step.id);
      const ref = of === undefined ? undefined : idOf(of);
      const target = ref === undefined ? step.id : (findStep(host.state, ref)?.id ?? ref);
      return readArtifact(host, target, name);
    },
  };
}

/** A step given by itself or by its (short or full) id. */
function idOf(step: Step<unknown> | string): string {
  return typeof step === "string" ? step : step.id;
}

function guard(state: { closed: boolean }, stepId: string): void {
  if (state.closed) {
    // A plain Error: this is a bug in the step (an un-awaited promise), not a user mistake.
    throw new Error(`step ${stepId} used its context after its attempt ended (missing await?)`);
  }
}
