import type { RunPlanOptions, RunResult } from "./run-options";
import { RunSession } from "./run-session";

/**
 * Starts a new run of a plan and drives it until it completes, fails (and, by default, rolls
 * back), or waits. Step failures, stop verdicts and waits are results, not exceptions; an
 * exception means the run could not be started or the journal could not be written (lock
 * held, invalid plan, disk error, lock lost) and carries an AEGIS-E1xx code.
 */
export async function runPlan(options: RunPlanOptions): Promise<RunResult> {
  const session = await RunSession.start(options);
  try {
    await session.drive();
  } finally {
    await session.close();
  }
  // After close, so the state includes the lock's release.
  return session.result();
}
