/**
 * Waiting is not failing: a step that needs time to pass (a timelock's delay, a multisig's
 * missing signatures, a rollout stage, a number of blocks) ends the run in status "waiting".
 * The step signals it by throwing a WaitSignal through ctx.wait(); the engine journals what it
 * awaits and exits cleanly. A later resume re-enters the step, which checks again.
 */

/** What a waiting step awaits, as a person reads it and as a program can check it. */
export interface Awaiting {
  /** One line for humans: "timelock delay of 2 days", "2 of 3 Safe signatures". */
  reason: string;
  /** ISO time before which resuming is pointless, when the wait is time-based. */
  until?: string;
  /** Machine-readable condition, e.g. { kind: "timelock", id, eta } or { kind: "blocks", n }. */
  condition?: Record<string, unknown>;
}

/** Thrown by ctx.wait() to end the run in status "waiting"; never an error. */
export class WaitSignal extends Error {
  /** Carries what the step awaits. */
  constructor(public readonly awaiting: Awaiting) {
    super(`waiting: ${awaiting.reason}`);
    this.name = "WaitSignal";
  }
}

/** Whether a thrown value is a wait signal (also across copies of this module). */
export function isWaitSignal(value: unknown): value is WaitSignal {
  return (
    value instanceof WaitSignal ||
    (value instanceof Error &&
      value.name === "WaitSignal" &&
      typeof (value as Partial<WaitSignal>).awaiting?.reason === "string")
  );
}

/** Checks and copies an awaiting description so only its documented fields reach the journal. */
export function normalizeAwaiting(awaiting: Awaiting): Awaiting {
  const out: Awaiting = { reason: String(awaiting.reason) };
  if (awaiting.until !== undefined) out.until = String(awaiting.until);
  if (awaiting.condition !== undefined) out.condition = awaiting.condition;
  return out;
}
