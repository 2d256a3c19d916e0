import type { EngineEventBody } from "./engine-events";
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
  /** Appends a message durably and folds it into the state; returns the stored line. */
  record(message: JournalMessage): JournalLine;
  /** Emits an event to the listener. */
  emit(body: EngineEventBody): void;
  /** Throws the session's fatal error (lost lock, broken journal) if there is one. */
  assertHealthy(): void;
}
