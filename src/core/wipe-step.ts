import type { EngineOptions } from "./run-options";
import { LockLostError, WipeRefusedError } from "./errors";
import { lockerOf } from "./file-locker";
import { eventsOf } from "./event-of";
import type { JournalMessage } from "./journal-messages";
import { truncateTornTail } from "./journal-reader";
import { JournalWriter } from "./journal-writer";
import { loadRun } from "./load-run";
import { runDirOf } from "./run-paths";
import { FINAL_RUN_STATUSES, findStep, type RunState } from "./run-state";
import { runStateReducer } from "./run-state-reducer";

/** Options of wipeStep. */
export interface WipeStepOptions extends EngineOptions {
  runId: string;
  /** Short or full id of the failed or waiting step. */
  step: string;
  /** Why it is wiped (journaled, shown to reviewers). */
  reason?: string;
}

/**
 * Wipes a failed or waiting step: the journal forgets its attempt (its effects are kept in the
 * state's wipe history for the report), so the next resume runs it from scratch, applying its
 * effects again. It is the way out when an effect is stuck (a dropped transaction the reconcile
 * port keeps calling pending) and a person has checked the target. Journaled as STEP_WIPED.
 */
export async function wipeStep(options: WipeStepOptions): Promise<RunState> {
  const runDir = runDirOf(options.baseDir, options.runId);
  const before = loadRun(runDir);
  const lock = await lockerOf(options).acquire({
    targetKey: before.state.targetKey,
    runId: before.state.runId,
  });
  let writer: JournalWriter | undefined;
  try {
    const loaded = loadRun(runDir);
    const state = loaded.state;
    const step = findStep(state, options.step);
    if (!step) throw new WipeRefusedError(options.step, "it is not a step of this run");
    if (FINAL_RUN_STATUSES.includes(state.status))
      throw new WipeRefusedError(step.id, `the run is ${state.status}`);
    if (state.mode === "rollback") throw new WipeRefusedError(step.id, "the run is rolling back");
    if (step.status !== "failed" && step.status !== "waiting") {
      throw new WipeRefusedError(step.id, `it is ${step.status}`);
    }
    if (loaded.tornTail) truncateTornTail(loaded.journalFile, loaded.tornTail);
    writer = JournalWriter.open(loaded.journalFile, state.lastSeq, {
      durability: state.options.durability,
      guard: () => {
        if (lock.lost) throw new LockLostError(state.targetKey, state.runId);
      },
      ...(options.now ? { now: options.now } : {}),
    });
    let next = state;
    const started = performance.now();
    const append = (message: JournalMessage): void => {
      const { line } = (writer as JournalWriter).append(message);
      next = runStateReducer(next, line);
      const context = { runDir, state: next, sessionMs: () => performance.now() - started };
      for (const body of eventsOf(line, context)) {
        try {
          options.onEvent?.({ ...body, runId: state.runId, at: line.at });
        } catch {
          // A listener's bug must not turn a journaled wipe into a reported failure.
        }
      }
    };
    if (loaded.tornTail) {
      append({
        type: "JOURNAL_TAIL_REPAIRED",
        line: loaded.tornTail.line,
        bytes: loaded.tornTail.bytes,
      });
    }
    append({
      type: "STEP_WIPED",
      step: step.id,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    });
    return next;
  } finally {
    writer?.close();
    await lock.release();
  }
}
