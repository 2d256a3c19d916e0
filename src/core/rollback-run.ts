import { RollbackRefusedError } from "./errors";
import type { RollbackRunOptions, RunResult } from "./run-options";
import { RunSession } from "./run-session";

/**
 * Rolls a run back on request (completed, failed, waiting or interrupted), or continues a
 * rollback a crash interrupted: the rollbacks of the steps that may have changed the target run
 * in reverse order, each journaled, their effects with intent before effect like any other.
 */
export async function rollbackRun(options: RollbackRunOptions): Promise<RunResult> {
  const { session, loaded } = await RunSession.reopen(options);
  let begun = false;
  try {
    const state = loaded.state;
    if (state.status === "rolled-back")
      throw new RollbackRefusedError(state.runId, "it is already rolled back");
    if (state.dryRun)
      throw new RollbackRefusedError(state.runId, "it is a dry run, which changed nothing");
    if (state.status === "abandoned")
      throw new RollbackRefusedError(state.runId, `it was abandoned at ${state.abandoned?.at}`);
    await options.plan.revalidate?.(state);
    session.begin("rollback", loaded.tornTail);
    begun = true;
    await session.rollback(session.state.rollback?.reason ?? "requested");
    await session.waitThrough();
  } finally {
    if (begun) await session.close();
    else await session.abandon();
  }
  return session.result();
}
