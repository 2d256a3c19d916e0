import { defineStep } from "../../../core/plan-types";
import {
  forwardCallMade,
  sendThroughAuthority,
  viaFigure,
  type RoutedOutcome,
} from "../../chain/authority-transaction";
import type { PlanEnv } from "./plan-env";

/** Who paused the protocol the run found paused, or whether the run paused it itself. */
export type PauseOwner = "this-run" | "toolkit" | "operator";

/** What the pause step leaves for later steps and for rollbacks. */
export interface PauseOutput {
  alreadyPaused: boolean;
  pausedBy: PauseOwner;
  /** The run of this toolkit that left the pause this run adopted. */
  adoptedFrom?: string;
  tx?: RoutedOutcome;
}

/** Pauses the protocol, or adopts a pause it finds (an operator's stays; one this toolkit left is lifted at the end). */
export function pauseStep({ input, deps }: PlanEnv) {
  const { provider, signer, preset } = deps;
  const pauseRequest = { label: "pause()", to: input.proxy, data: preset.pauseData };
  return defineStep({
    id: "pause",
    title: "pause the protocol",
    phase: "prepare",
    changesTarget: true,
    undo: "reversible",
    describe: () => `send ${preset.name} pause() to ${input.proxy}`,
    describeRollback: () =>
      `send unpause() if this run paused the protocol (or took over a pause this toolkit left)`,
    async run(ctx): Promise<PauseOutput> {
      // Whose pause it is decides what unpause does at the end: an operator's pause stays, a
      // pause this toolkit left behind (an abandoned run's) is lifted like this run's own.
      if (ctx.attempt === 1 && (await preset.isPaused(provider, input.proxy))) {
        const holder = deps.toolkitPauseHolder?.();
        return holder === undefined
          ? { alreadyPaused: true, pausedBy: "operator" }
          : { alreadyPaused: true, pausedBy: "toolkit", adoptedFrom: holder };
      }
      const tx = await sendThroughAuthority(
        ctx,
        "pause-tx",
        signer,
        pauseRequest,
        input.routes?.pause,
        deps.localSafeSigning,
      );
      return { alreadyPaused: false, pausedBy: "this-run", tx };
    },
    async verify({ result }) {
      const paused = await preset.isPaused(provider, input.proxy);
      const figures = {
        // First: the report shows a step's first figures, and an auditor looks for who made the call.
        ...viaFigure(result.tx),
        paused,
        pausedBy: result.adoptedFrom === undefined ? result.pausedBy : `run ${result.adoptedFrom}`,
        tx: result.tx?.hash ?? "none (already paused)",
        block: result.tx?.block ?? "-",
      };
      if (!paused) return { verdict: "stop", figures, message: "the protocol is not paused" };
      if (result.pausedBy === "operator") {
        return {
          verdict: "warn",
          figures,
          message:
            "ALREADY PAUSED by someone other than this toolkit: it stays paused after the upgrade (lifting it is theirs to do)",
        };
      }
      if (result.pausedBy === "toolkit") {
        return {
          verdict: "go",
          figures,
          message: `already paused by run ${result.adoptedFrom} of this toolkit (abandoned): this run takes the pause over and lifts it at the end`,
        };
      }
      return { verdict: "go", figures };
    },
    async rollback(ctx) {
      const output = ctx.result;
      const ours =
        (await forwardCallMade(
          ctx,
          "pause-tx",
          signer,
          pauseRequest,
          input.routes?.pause,
          ctx.forwardEffects,
          deps.localSafeSigning,
        )) || output?.pausedBy === "toolkit";
      if (!ours || !(await preset.isPaused(provider, input.proxy))) return { unpaused: false };
      await sendThroughAuthority(
        ctx,
        "unpause-tx",
        signer,
        { label: "unpause()", to: input.proxy, data: preset.unpauseData },
        input.routes?.unpause,
        deps.localSafeSigning,
      );
      return { unpaused: true };
    },
  });
}
