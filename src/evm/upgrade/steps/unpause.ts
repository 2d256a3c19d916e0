import { defineStep } from "../../../core/plan-types";
import {
  forwardCallMade,
  sendThroughAuthority,
  viaFigure,
  type RoutedOutcome,
} from "../../chain/authority-transaction";
import type { pauseStep } from "./pause";
import type { PlanEnv } from "./plan-env";

/** Lifts the pause this run (or an abandoned run of this toolkit) left; an operator's pause stays. */
export function unpauseStep(
  { input, deps }: PlanEnv,
  earlier: { pause: ReturnType<typeof pauseStep> },
) {
  const { provider, signer, preset } = deps;
  const unpauseRequest = { label: "unpause()", to: input.proxy, data: preset.unpauseData };
  return defineStep({
    id: "unpause",
    title: "unpause the protocol",
    phase: "stabilize",
    changesTarget: true,
    undo: "reversible",
    describe: () =>
      `send ${preset.name} unpause() to ${input.proxy} (unless someone else paused it before the run)`,
    describeRollback: () =>
      "send pause() again if this run unpaused, so the upgrade is undone on a quiet protocol",
    async run(ctx): Promise<{ keptPaused: boolean; tx?: RoutedOutcome }> {
      // Only an operator's pause outlives the run; this toolkit never leaves its own behind.
      if (ctx.output(earlier.pause).pausedBy === "operator") return { keptPaused: true };
      const tx = await sendThroughAuthority(
        ctx,
        "unpause-tx",
        signer,
        unpauseRequest,
        input.routes?.unpause,
        deps.localSafeSigning,
      );
      return { keptPaused: false, tx };
    },
    async verify({ result }) {
      const paused = await preset.isPaused(provider, input.proxy);
      const figures = {
        // First: the report shows a step's first figures, and an auditor looks for who made the call.
        ...viaFigure(result.tx),
        paused,
        tx: result.tx?.hash ?? "none (kept paused)",
      };
      if (paused !== result.keptPaused) {
        return { verdict: "stop", figures, message: "the protocol is still paused" };
      }
      return result.keptPaused
        ? {
            verdict: "warn",
            figures,
            message:
              "LEFT PAUSED: someone other than this toolkit paused it before the run; unpausing is theirs to do",
          }
        : { verdict: "go", figures };
    },
    async rollback(ctx) {
      const applied = await forwardCallMade(
        ctx,
        "unpause-tx",
        signer,
        unpauseRequest,
        input.routes?.unpause,
        ctx.forwardEffects,
        deps.localSafeSigning,
      );
      if (!applied || (await preset.isPaused(provider, input.proxy))) return { paused: false };
      // Pause again so that the upgrade's own rollback happens on a quiet protocol.
      await sendThroughAuthority(
        ctx,
        "repause-tx",
        signer,
        { label: "pause()", to: input.proxy, data: preset.pauseData },
        input.routes?.pause,
        deps.localSafeSigning,
      );
      return { paused: true };
    },
  });
}
