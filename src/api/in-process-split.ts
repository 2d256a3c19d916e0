/**
 * The embedded traffic split: one Node request listener that sends a share of the requests to
 * the new handler and the rest to the old one, and measures each. Shares are dealt by credit,
 * not by chance, so that 10% is exactly one request in ten and a test's figures are exact.
 */
import type { RequestListener } from "node:http";
import { summarizeSamples, type RequestSample } from "./stage-metrics";
import type { TrafficSplitPort } from "./traffic-split-port";

/** The split's listener and its port. */
export interface InProcessSplit {
  listener: RequestListener;
  port: TrafficSplitPort;
}

/** Splits between two listeners; `initialPercent` goes to the new one before any stage. */
export function createInProcessSplit(
  handlers: { old: RequestListener; new: RequestListener },
  initialPercent = 0,
): InProcessSplit {
  let percent = initialPercent;
  let credit = 0;
  let window = { new: [] as RequestSample[], old: [] as RequestSample[] };
  const listener: RequestListener = (request, response) => {
    credit += percent;
    const side = credit >= 100 ? "new" : "old";
    if (side === "new") credit -= 100;
    const samples = window[side];
    const started = performance.now();
    let answered = false;
    response.on("finish", () => {
      answered = true;
      samples.push({
        ms: performance.now() - started,
        status: response.statusCode,
        dropped: false,
      });
    });
    response.on("close", () => {
      if (!answered) samples.push({ ms: performance.now() - started, status: 0, dropped: true });
    });
    try {
      handlers[side](request, response);
    } catch {
      // A handler that throws leaves the client without an answer: count it as dropped.
      response.destroy();
    }
  };
  const port: TrafficSplitPort = {
    adapter: "in-process",
    async setWeight(next) {
      percent = next;
      credit = 0;
      window = { new: [], old: [] };
    },
    async currentWeight() {
      return percent;
    },
    async metrics() {
      return { new: summarizeSamples(window.new), old: summarizeSamples(window.old) };
    },
  };
  return { listener, port };
}
