import type { StopRequest } from "../src/core/stop-request";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** What a stop request does, in the words of the kind of run it stops. */
export interface StopWording {
  /** After the first signal: what finishes first, and what the run undoes. */
  first: string;
  /** After the second: what is still awaited. */
  second: string;
  /** After any further one. */
  more: string;
}

/** A contract upgrade: a transaction in flight is awaited, and an early stop undoes the pause. */
export const UPGRADE_STOP_WORDING: StopWording = {
  first:
    "stopping at the next safe point; a transaction in flight is awaited and journaled first (before the upgrade is sent, the run also undoes its pause). Press Ctrl-C again to stop that too.",
  second:
    "stopping as soon as the journal is consistent (after the transaction in flight, if any).",
  more: "still finishing the transaction in flight so that the journal stays consistent. kill -9 is safe too: --resume reconciles it.",
};

/** Any other run (an API rollout): an effect in flight is finished, nothing else is implied. */
export const RUN_STOP_WORDING: StopWording = {
  first:
    "stopping at the next safe point; a change in flight is finished and journaled first. Press Ctrl-C again to stop sooner.",
  second: "stopping as soon as the journal is consistent (after the change in flight, if any).",
  more: "still finishing the change in flight so that the journal stays consistent. kill -9 is safe too: --resume reconciles it.",
};

/** A database migration: the migration (or, without transactional DDL, the statement) in flight. */
export const MIGRATION_STOP_WORDING: StopWording = {
  first:
    "stopping after the migration in flight (on MariaDB, the statement in flight); resume with --resume. Press Ctrl-C again to stop sooner.",
  second: "stopping as soon as the journal is consistent (after the statement in flight, if any).",
  more: "still finishing the statement in flight so that the journal stays consistent. kill -9 is safe too: --resume reconciles it.",
};

/**
 * Turns Ctrl-C and SIGTERM into stop requests for the run in progress instead of killing the
 * process between an effect and its journal line. Says on stderr what will happen. Returns
 * the function that puts the default behaviour back.
 */
export function stopOnSignals(
  stop: StopRequest,
  print: (line: string) => void,
  wording: StopWording = UPGRADE_STOP_WORDING,
): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    const count = stop.request(signal);
    if (count === 1) print(`${signal}: ${wording.first}`);
    else if (count === 2) print(`${signal} again: ${wording.second}`);
    else print(`${signal}: ${wording.more}`);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
