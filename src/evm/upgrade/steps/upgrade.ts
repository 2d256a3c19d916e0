import { defineStep } from "../../../core/plan-types";
import { readProxyInfo } from "../../chain/eip1967";
import { readInitializableState } from "../../chain/initializable";
import {
  forwardCallMade,
  sendThroughAuthority,
  viaFigure,
} from "../../chain/authority-transaction";
import { recordFollowsChain } from "../record-updates";
import { ForeignUpgradeError } from "../../errors";
import { upgradeTransaction } from "./upgrade-transaction";
import { stopUnless } from "./invariant-verdicts";
import type { preflightStep } from "./preflight";
import type { deployImplementationStep } from "./deploy-implementation";
import type { PlanEnv } from "./plan-env";

/** Points the proxy at the new implementation and makes the reinitializer call in the same transaction. */
export function upgradeStep(
  { input, deps }: PlanEnv,
  earlier: {
    preflight: ReturnType<typeof preflightStep>;
    deployImplementation: ReturnType<typeof deployImplementationStep>;
  },
) {
  const { provider, signer } = deps;
  return defineStep({
    id: "upgrade",
    title: input.call
      ? `upgradeAndCall ${input.call.fn}(${input.call.args.join(", ")})`
      : "upgrade",
    phase: "execute",
    changesTarget: true,
    undo: input.call
      ? {
          partial: `upgrades back to ${input.from.implementation}; the writes of ${input.call.fn} stay in storage`,
        }
      : "reversible",
    describe: () => {
      const call = input.call ? `${input.call.fn}(${input.call.args.join(", ")})` : "0x";
      return input.proxyKind === "uups"
        ? `${input.proxy}.upgradeToAndCall(<new ${input.to.contract}>, ${call})`
        : `ProxyAdmin ${input.proxyAdmin}.upgradeAndCall(${input.proxy}, <new ${input.to.contract}>, ${call})`;
    },
    async run(ctx) {
      const deployed = ctx.output(earlier.deployImplementation);
      // The version before is the one the preflight read at its pinned block: a resumed step
      // would read it after its own transaction landed.
      const initializedBefore = ctx.output(earlier.preflight).initializedVersion;
      const tx = await sendThroughAuthority(
        ctx,
        "upgrade-tx",
        signer,
        upgradeTransaction(input, deployed.address, input.call?.data ?? "0x"),
        input.routes?.upgrade,
        deps.localSafeSigning,
      );
      const { implementation: now } = await readProxyInfo(provider, input.proxy);
      recordFollowsChain(deps.recordPath, input.network, now, {
        contract: input.to.contract,
        implementation: deployed.address,
        creationBytecodeHash: input.to.creationBytecodeHash,
        runtimeCodeHash: deployed.runtimeCodeHash,
        block: tx.block,
        runId: ctx.runId,
        layout: deps.toLayout,
      });
      return { implementation: deployed.address, tx, initializedBefore };
    },
    async verify({ result }) {
      const info = await readProxyInfo(provider, input.proxy);
      const { initializedVersion } = await readInitializableState(provider, input.proxy);
      const figures = {
        // First: the report shows a step's first figures, and an auditor looks for who made the call.
        ...viaFigure(result.tx),
        implementation: { before: input.from.implementation, after: info.implementation },
        initializedVersion: { before: result.initializedBefore, after: Number(initializedVersion) },
        tx: result.tx.hash,
        block: result.tx.block,
      };
      if (info.implementation !== result.implementation) {
        return {
          verdict: "stop",
          figures,
          message: `the implementation slot holds ${info.implementation}`,
        };
      }
      const expected = input.expectedInitializedVersion;
      return stopUnless(
        expected === null || Number(initializedVersion) === expected,
        figures,
        `_initialized is ${initializedVersion}, expected ${expected}: the reinitializer did not run as a reinitializer`,
      );
    },
    describeRollback: () =>
      `upgrade back to ${input.from.implementation} if the proxy still points at the implementation this run installed`,
    async rollback(ctx) {
      const installed = ctx.hasOutput(earlier.deployImplementation)
        ? ctx.output(earlier.deployImplementation).address
        : undefined;
      const upgraded =
        installed !== undefined &&
        (await forwardCallMade(
          ctx,
          "upgrade-tx",
          signer,
          upgradeTransaction(input, installed, input.call?.data ?? "0x"),
          input.routes?.upgrade,
          ctx.forwardEffects,
          deps.localSafeSigning,
        ));
      const info = await readProxyInfo(provider, input.proxy);
      // Only this run's own upgrade is undone: a proxy on anything else was moved by someone
      // else (another run, a person), and downgrading it would destroy their work.
      if (info.implementation !== input.from.implementation) {
        if (!upgraded || info.implementation !== installed) {
          throw new ForeignUpgradeError(info.implementation, upgraded ? installed : undefined);
        }
        const back = upgradeTransaction(input, input.from.implementation, "0x");
        await sendThroughAuthority(
          ctx,
          "downgrade-tx",
          signer,
          { ...back, label: `${back.label} (back)` },
          input.routes?.upgrade,
          deps.localSafeSigning,
        );
      }
      const { implementation: now } = await readProxyInfo(provider, input.proxy);
      recordFollowsChain(deps.recordPath, input.network, now);
      return { implementation: now, downgraded: now !== info.implementation };
    },
  });
}
