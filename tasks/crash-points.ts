import type { EngineEvent } from "../src/core/engine-events";

/**
 * Crash injection for the toolkit's own kill-and-resume tests: AEGIS_CRASH_AT lists points as
 * `<event type>:<effect key or step>` (e.g. `effect.note:upgrade-tx`), and the process SIGKILLs
 * itself the moment the engine emits that event, which is right after its journal line is on
 * disk. A real SIGKILL: no cleanup, no flush beyond what the engine already did.
 */
export function crashPointListener(): ((event: EngineEvent) => void) | undefined {
  const points = (process.env.AEGIS_CRASH_AT ?? "").split(",").filter((point) => point !== "");
  if (points.length === 0) return undefined;
  return (event) => {
    const step = "step" in event && event.step !== undefined ? event.step : "";
    const subject = "key" in event ? event.key : step.slice(step.indexOf("#") + 1);
    if (points.includes(`${event.type}:${subject}`)) process.kill(process.pid, "SIGKILL");
  };
}
