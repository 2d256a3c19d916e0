import type { JournalLine, JournalMessage } from "../../../src/core/journal-messages";
import type { StepDeclaration } from "../../../src/core/plan-preview";

/** Stamps messages as the writer would, with a deterministic clock (one second per line). */
export function stamp(messages: JournalMessage[], firstSeq = 1): JournalLine[] {
  return messages.map((message, index) => ({
    seq: firstSeq + index,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, firstSeq + index)).toISOString(),
    ...message,
  })) as JournalLine[];
}

/** A step declaration for RUN_STARTED messages. */
export function declaration(id: string, overrides: Partial<StepDeclaration> = {}): StepDeclaration {
  return {
    id: `p#${id}`,
    shortId: id,
    phase: "execute",
    changesTarget: true,
    undo: "reversible",
    verifies: false,
    rollsBack: true,
    ...overrides,
  };
}

/** A RUN_STARTED message for plan `p` with the given steps. */
export function runStarted(steps: StepDeclaration[], dryRun = false): JournalMessage {
  return {
    type: "RUN_STARTED",
    journalVersion: 1,
    runId: "20260101-000000-p",
    planId: "p",
    planHash: "ab".repeat(32),
    dryRun,
    targetKey: "p",
    options: { autoRollback: true, durability: "fsync" },
    steps,
  };
}
