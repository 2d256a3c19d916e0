import { ethers } from "ethers";
import { defineStep } from "../../../core/plan-types";
import { failing, holdingMessage, invariantFigures, stopUnless } from "./invariant-verdicts";
import type { upgradeStep } from "./upgrade";
import type { PlanEnv } from "./plan-env";

const proxyEventsInterface = new ethers.Interface([
  "event Upgraded(address indexed implementation)",
  "event AdminChanged(address previousAdmin, address newAdmin)",
]);

/** Watches the blocks after the upgrade for admin events and invariant drift. */
export function monitorStep(
  { input, readRecord, deps }: PlanEnv,
  earlier: { upgrade: ReturnType<typeof upgradeStep> },
) {
  const { provider, preset } = deps;
  return defineStep({
    id: "monitor",
    title: `monitor ${input.monitorBlocks} block(s): admin events and invariant drift`,
    phase: "stabilize",
    changesTarget: false,
    async run(ctx) {
      if (!ctx.hasOutput(earlier.upgrade)) {
        return {
          fromBlock: 0,
          toBlock: 0,
          adminEvents: [],
          results: [],
          skipped: "no upgrade was sent (dry run)",
        };
      }
      const upgradeBlock = ctx.output(earlier.upgrade).tx.block;
      const untilBlock = upgradeBlock + input.monitorBlocks;
      const latest = await provider.getBlockNumber();
      if (latest < untilBlock) {
        ctx.wait({
          reason: `${untilBlock - latest} more block(s) to watch (until block ${untilBlock})`,
          condition: { kind: "blocks", untilBlock },
        });
      }
      const logs = await provider.getLogs({
        address: input.proxy,
        fromBlock: upgradeBlock + 1,
        toBlock: latest,
      });
      const adminEvents = logs
        .map((log) => ({ log, parsed: proxyEventsInterface.parseLog(log) }))
        .filter(({ parsed }) => parsed !== null)
        .map(({ log, parsed }) => ({
          event: parsed!.name,
          block: log.blockNumber,
          tx: log.transactionHash,
        }));
      const results = preset.checkState(await preset.readState(provider, readRecord(), latest));
      return { fromBlock: upgradeBlock + 1, toBlock: latest, adminEvents, results };
    },
    verify({ result }) {
      if ("skipped" in result) return { verdict: "go", figures: {}, message: result.skipped };
      const broken = failing(result.results);
      const figures = {
        blocks: `${result.fromBlock}..${result.toBlock}`,
        adminEvents: result.adminEvents.length,
        ...invariantFigures(result.results),
      };
      if (result.adminEvents.length > 0) {
        return {
          verdict: "stop",
          figures,
          message: `unexpected ${result.adminEvents.map((e) => `${e.event} in block ${e.block}`).join(", ")}`,
        };
      }
      return stopUnless(
        broken.length === 0,
        figures,
        `invariants drifted: ${broken.map((r) => `${r.id} ${r.violation}`).join("; ")}`,
        `blocks ${result.fromBlock}..${result.toBlock}: no admin events; ${holdingMessage(result.results)}`,
      );
    },
  });
}
