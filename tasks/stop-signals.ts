import type { StopRequest } from "../src/core/stop-request";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Turns Ctrl-C and SIGTERM into stop requests for the run in progress instead of killing the
 * process between a transaction and its journal line. Says on stderr what will happen. Returns
 * the function that puts the default behaviour back.
 */
export function stopOnSignals(stop: StopRequest, print: (line: string) => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    const count = stop.request(signal);
    if (count === 1) {
      print(
        `${signal}: stopping at the next safe point; a transaction in flight is awaited and journaled first (before the upgrade is sent, the run also undoes its pause). Press Ctrl-C again to stop that too.`,
      );
    } else if (count === 2) {
      print(
        `${signal} again: stopping as soon as the journal is consistent (after the transaction in flight, if any).`,
      );
    } else {
      print(
        `${signal}: still finishing the transaction in flight so that the journal stays consistent. kill -9 is safe too: --resume reconciles it.`,
      );
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
