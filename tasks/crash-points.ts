import type { EngineEvent } from "../src/core/engine-events";

/**
 * Fault injection for the toolkit's own kill-and-resume tests, at exact engine events. Points
 * are written `<event type>:<effect key or step>` (e.g. `effect.note:upgrade-tx`); the process
 * acts the moment the engine emits that event, which is right after its journal line is on
 * disk.
 *
 * - AEGIS_CRASH_AT: SIGKILL itself. No cleanup, no flush beyond what the engine already did.
 * - AEGIS_SIGNAL_AT: send itself a real SIGINT (or `SIGTERM@<point>`), as Ctrl-C would, and go
 *   on: what the process does with it is what is under test.
 */
export function crashPointListener(): ((event: EngineEvent) => void) | undefined {
  const crashes = pointsOf(process.env.AEGIS_CRASH_AT);
  const signals = pointsOf(process.env.AEGIS_SIGNAL_AT).map((point) => {
    const at = point.indexOf("@");
    return at === -1
      ? { signal: "SIGINT" as NodeJS.Signals, point }
      : { signal: point.slice(0, at) as NodeJS.Signals, point: point.slice(at + 1) };
  });
  if (crashes.length === 0 && signals.length === 0) return undefined;
  const sent = new Set<string>();
  return (event) => {
    const step = "step" in event && event.step !== undefined ? event.step : "";
    const subject = "key" in event ? event.key : step.slice(step.indexOf("#") + 1);
    const here = `${event.type}:${subject}`;
    if (crashes.includes(here)) process.kill(process.pid, "SIGKILL");
    for (const { signal, point } of signals) {
      // Once per point: a step re-entered while polling a wait must not signal again.
      if (point !== here || sent.has(point)) continue;
      sent.add(point);
      process.kill(process.pid, signal);
    }
  };
}

function pointsOf(value: string | undefined): string[] {
  return (value ?? "").split(",").filter((point) => point !== "");
}
