import { ethers } from "ethers";
import { defineStep } from "../../../core/plan-types";
import { readProxyInfo } from "../../chain/eip1967";
import { readInitializableState } from "../../chain/initializable";
import { readUpgradeAuthority, signerCanUpgrade } from "../../chain/upgrade-authority";
import { failing, holdingMessage, stopUnless } from "./invariant-verdicts";
import type { PlanEnv } from "./plan-env";
import type { Provider } from "ethers";
import type { AuthorityRoute } from "../../chain/authority-transaction";
import { describeRoute, resolveAuthorityChain, signerRoute } from "../../chain/authority-chain";
import type { ImportEntry } from "../../chain/deployment-record";

const IDENTIFIED_BY: Record<ImportEntry["identity"], string> = {
  bytecode: "its runtime bytecode matched the build",
  "oz-manifest": "OpenZeppelin's manifest named its creation bytecode",
  forced: "unmatched, imported with --force",
};

/**
 * What `aegis:import` found, for a record it made: the record has no history from before the
 * import, so every later report says where its knowledge of the proxy starts.
 */
function importOrigin(imported: ImportEntry | undefined): string | undefined {
  if (imported === undefined) return undefined;
  const artifact = imported.artifact === undefined ? "" : ` (${imported.artifact})`;
  return `imported at block ${imported.block} with implementation ${imported.implementation}${artifact}, initializer version ${imported.initializedVersion}: ${IDENTIFIED_BY[imported.identity]}; no history before it`;
}

/** The preflight: who may upgrade, what the proxy runs and whether the invariants hold, before anything is sent. */
export function preflightStep({ input, deps, readRecord }: PlanEnv) {
  const { provider, signer, preset } = deps;
  return defineStep({
    id: "preflight",
    title: "authority, implementation and invariants before anything is sent",
    phase: "assess",
    changesTarget: false,
    async run() {
      const block = await provider.getBlockNumber();
      const info = await readProxyInfo(provider, input.proxy, block);
      const authority = await readUpgradeAuthority(provider, info, block);
      const signerAddress = ethers.getAddress(await signer.getAddress());
      const right =
        input.routes?.upgrade === undefined
          ? await signerCanUpgrade(provider, info, authority, signerAddress, block)
          : await routedRight(provider, input.proxy, input.routes.upgrade, signerAddress, block);
      const invariants = preset.checkState(await preset.readState(provider, readRecord(), block));
      const { initializedVersion } = await readInitializableState(provider, input.proxy, block);
      const imported = importOrigin(readRecord().imported);
      return {
        ...(imported === undefined ? {} : { imported }),
        initializedVersion: Number(initializedVersion),
        block,
        implementation: info.implementation,
        signer: signerAddress,
        canUpgrade: right.allowed,
        authority: right.reason,
        invariants,
      };
    },
    verify({ result }) {
      const broken = failing(result.invariants);
      const figures = {
        implementation: result.implementation,
        signer: result.signer,
        authority: result.authority,
        invariantsHolding: `${result.invariants.length - broken.length}/${result.invariants.length}`,
        initializedVersion: result.initializedVersion,
        ...(deps.rehearsal === undefined ? {} : { rehearsal: deps.rehearsal }),
        ...(result.imported === undefined ? {} : { imported: result.imported }),
      };
      const expected = input.expectedInitializedVersion;
      if (expected !== null && result.initializedVersion >= expected) {
        return {
          verdict: "stop",
          figures,
          message: `the proxy is already initialized to version ${result.initializedVersion}; the reinitializer would revert`,
        };
      }
      if (result.implementation !== input.from.implementation) {
        return {
          verdict: "stop",
          figures,
          message: `the proxy points at ${result.implementation}, not ${input.from.implementation}`,
        };
      }
      if (!result.canUpgrade) {
        return {
          verdict: "stop",
          figures,
          message: `signer ${result.signer} cannot upgrade: ${result.authority}`,
        };
      }
      const verdict = stopUnless(
        broken.length === 0,
        figures,
        `already failing: ${broken.map((r) => r.violation).join("; ")}`,
        `signer ${result.authority}; ${input.from.contract} at ${result.implementation}; ${holdingMessage(result.invariants)}${deps.rehearsal === undefined ? "" : `; rehearsal ${deps.rehearsal}`}${result.imported === undefined ? "" : `; ${result.imported}`}`,
      );
      // The plan's notices make a passing preflight a warn, so the report carries them.
      if (verdict.verdict !== "go" || !input.notices?.length) return verdict;
      return {
        ...verdict,
        verdict: "warn",
        message: `${verdict.message}; ${input.notices.join("; ")}`,
      };
    },
  });
}

/** Whether the signer still reaches the upgrade right the way the plan says (the same timelock or Safe). */
async function routedRight(
  provider: Provider,
  proxy: string,
  planned: AuthorityRoute,
  signer: string,
  block: number,
): Promise<{ allowed: boolean; reason: string }> {
  const chain = await resolveAuthorityChain(provider, proxy, {}, block);
  const route = signerRoute(chain.upgrade, signer);
  const allowed =
    planned.kind === "timelock"
      ? route.kind === "timelock" && route.timelock.address === planned.timelock
      : route.kind === "safe" && route.safe.address === planned.safe;
  return {
    allowed,
    reason: allowed ? `reaches the upgrade ${describeRoute(route)}` : describeRoute(route),
  };
}
