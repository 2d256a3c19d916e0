import type { UnjournaledEventBody } from "./engine-events";
import type { Durability, JournalLine, JournalMessage } from "./journal-messages";
import type { Plan } from "./plan-types";
import type { RunState } from "./run-state";

/** What step contexts need from the running session (implemented by RunSession). */
export interface ContextHost {
  readonly runId: string;
  readonly runDir: string;
  readonly plan: Plan;
  readonly durability: Durability;
  /** The current folded state, valid until the next record(): read it again, never keep it. */
  readonly state: RunState;
  /**
   * Appends a message durably, folds it into the state and emits the events of the stored line
   * (eventsOf); returns the line. `elapsedMs`: see LineContext.
   */
  record(message: JournalMessage, elapsedMs?: number): JournalLine;
  /** Emits a fact that has no journal line (every other event comes from record). */
  emit(body: UnjournaledEventBody): void;
  /** Throws the session's fatal error (lost lock, broken journal) if there is one. */
  assertHealthy(): void;
}
