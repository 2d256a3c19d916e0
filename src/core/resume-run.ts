import { InvalidOverrideError, RunAbandonedError, RunNotResumableError } from "./errors";
import type { ResumeIntent } from "./journal-messages";
import type { ResumeRunOptions, RunResult } from "./run-options";
import { RunSession, autoRollbackApplies, resultOf } from "./run-session";
import { FINAL_RUN_STATUSES, findStep } from "./run-state";

/**
 * Resumes a run from its journal with the same plan (checked by hash): retries a failed step,
 * re-checks a waiting one, reconciles effects left without outcome, continues an interrupted
 * rollback. Completed steps are not run again; their outputs come from the journal. A finished
 * run is returned as is. A failure or stop whose automatic rollback a crash interrupted is
 * rolled back. Otherwise a step stopped by its verify blocks until it is overridden (with a
 * journaled reason) or the run is rolled back.
 */
export async function resumeRun(options: ResumeRunOptions): Promise<RunResult> {
  const { session, loaded } = await RunSession.reopen(options);
  if (loaded.state.status === "abandoned") {
    await session.abandon();
    throw new RunAbandonedError(loaded.state.runId, loaded.state.abandoned?.at ?? "");
  }
  if (FINAL_RUN_STATUSES.includes(loaded.state.status)) {
    await session.abandon();
    return resultOf(loaded.runDir, loaded.state);
  }
  let begun = false;
  try {
    const state = loaded.state;
    // The world may have moved since the journal's last line: refuse before writing anything.
    await options.plan.revalidate?.(state);

    const overrides = (options.overrides ?? []).map(({ step, reason }) => {
      const target = findStep(state, step);
      if (!target || target.status !== "stopped" || state.mode !== "forward") {
        throw new InvalidOverrideError(target?.id ?? step);
      }
      return { step: target.id, reason: String(reason) };
    });
    // With autoRollback, a failure or a stop is followed at once by a rollback; a crash in
    // between must not turn that into a retry, so the resume finishes what had started.
    if (
      state.mode === "forward" &&
      state.status === "failed" &&
      overrides.length === 0 &&
      autoRollbackApplies(state)
    ) {
      session.begin("rollback", loaded.tornTail);
      begun = true;
      const failed = state.failure ? findStep(state, state.failure.step) : undefined;
      await session.rollback(failed?.status === "stopped" ? "stop-verdict" : "failure");
      await session.waitThrough();
    } else {
      if (state.mode === "forward") {
        const blocked = state.steps.find(
          (step) =>
            step.status === "stopped" && !overrides.some((override) => override.step === step.id),
        );
        if (blocked) {
          throw new RunNotResumableError(
            state.runId,
            `step ${blocked.id} verified stop`,
            "a resume does not lift a stop verdict: inspect the figures in the report, then roll " +
              "the run back, or abandon it if the target is acceptable as it is",
          );
        }
      }
      const intent: ResumeIntent =
        state.mode === "forward" && state.status === "failed" ? "retry" : "continue";
      session.begin(intent, loaded.tornTail);
      begun = true;
      for (const override of overrides) {
        session.record({
          type: "VERDICT_OVERRIDDEN",
          step: override.step,
          reason: override.reason,
        });
      }
      await session.drive();
    }
  } finally {
    if (begun) await session.close();
    else await session.abandon();
  }
  return session.result();
}
