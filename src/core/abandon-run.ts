import { AbandonRefusedError } from "./errors";
import type { Plan } from "./plan-types";
import type { EngineOptions, RunResult } from "./run-options";
import { RunSession } from "./run-session";
import { FINAL_RUN_STATUSES } from "./run-state";

/** Options of abandonRun. */
export interface AbandonRunOptions extends EngineOptions {
  plan: Plan;
  runId: string;
  /** Why it is given up (journaled, shown by status and in the report). */
  reason: string;
  /**
   * Shown what the run leaves on the target (the kind's observeTarget) before anything is
   * written; false leaves the run as it was.
   */
  confirm?(observed: Record<string, unknown>): Promise<boolean>;
}

/**
 * Gives an unfinished run up, so that a new run of its target may start: under the target's
 * lock, effects left without outcome are reconciled first (so the journal says what really
 * happened), then what the run leaves on the target is read and journaled with RUN_ABANDONED.
 * An abandoned run is never resumed or rolled back; a finished one cannot be abandoned.
 * Returns undefined when the confirmation was declined.
 */
export async function abandonRun(options: AbandonRunOptions): Promise<RunResult | undefined> {
  const { session, loaded } = await RunSession.reopen(options);
  let begun = false;
  try {
    const state = loaded.state;
    if (FINAL_RUN_STATUSES.includes(state.status))
      throw new AbandonRefusedError(state.runId, `it is ${state.status}`);
    const seen = (await options.plan.observeTarget?.(state)) ?? {};
    if (options.confirm && !(await options.confirm(seen))) return undefined;
    session.begin("abandon", loaded.tornTail);
    begun = true;
    await session.markAbandoned(options.reason);
  } finally {
    if (begun) await session.close();
    else await session.abandon();
  }
  return session.result();
}
