/**
 * Compares a proxy with what an upgrade run's journal says the run left on it, before a resume,
 * a rollback or an abandon acts. A difference means another run or a person acted in between:
 * acting on the journal's belief would undo their work (a stale resume downgrading a finished
 * upgrade), so the caller refuses and sends nothing.
 */
import type { Provider } from "ethers";
import type { RunState } from "../../core/run-state";
import { readDeploymentRecord } from "../chain/deployment-record";
import { readProxyInfo } from "../chain/eip1967";
import { TargetChangedError } from "../errors";
import { readInitializableState } from "../chain/initializable";
import { expectedTarget } from "./upgrade-journal-facts";
import type { UpgradePlanInput } from "./plan-input";
import type { UpgradePreset } from "./upgrade-preset";

/** What the checks read. */
export interface TargetCheckDeps {
  provider: Provider;
  preset: UpgradePreset<unknown>;
  recordPath: string;
}

function shown<T>(values: Set<T>): string {
  return [...values].map(String).join(" or ");
}

/** What the proxy and its record look like now, as figures for a person and the journal. */
export async function observeUpgradeTarget(
  input: UpgradePlanInput,
  deps: TargetCheckDeps,
): Promise<{
  implementation: string;
  admin: string;
  paused: boolean;
  initializedVersion: number;
  recordImplementation: string;
}> {
  const block = await deps.provider.getBlockNumber();
  const [info, paused, initializable] = await Promise.all([
    readProxyInfo(deps.provider, input.proxy, block),
    deps.preset.isPaused(deps.provider, input.proxy, block),
    readInitializableState(deps.provider, input.proxy, block),
  ]);
  return {
    implementation: info.implementation,
    admin: info.admin,
    paused,
    initializedVersion: Number(initializable.initializedVersion),
    recordImplementation: readDeploymentRecord(deps.recordPath, input.network).current
      .implementation,
  };
}

/** Throws AEGIS-E335 naming every field where the chain or the record left the journal's account. */
export async function revalidateUpgradeTarget(
  state: RunState,
  input: UpgradePlanInput,
  deps: TargetCheckDeps,
): Promise<void> {
  const now = await observeUpgradeTarget(input, deps);
  const expected = expectedTarget(state, input);
  const differences: string[] = [];
  if (!expected.implementations.has(now.implementation)) {
    differences.push(
      `implementation: the journal says ${shown(expected.implementations)}, the proxy points at ${now.implementation}`,
    );
  }
  if (input.proxyKind === "transparent" && now.admin !== input.proxyAdmin) {
    differences.push(`admin: the journal says ${input.proxyAdmin}, the proxy's is ${now.admin}`);
  }
  if (expected.paused !== undefined && !expected.paused.has(now.paused)) {
    differences.push(
      `paused: the journal says ${shown(expected.paused)}, the protocol is ${now.paused ? "paused" : "not paused"}`,
    );
  }
  if (
    expected.initializedVersions !== undefined &&
    !expected.initializedVersions.has(now.initializedVersion)
  ) {
    differences.push(
      `initializer version: the journal says ${shown(expected.initializedVersions)}, the proxy has ${now.initializedVersion}`,
    );
  }
  // The record is written right after the upgrade's receipt, so a crash in between may leave
  // it one step behind the chain: either of the run's two implementations is its own doing.
  const ownImplementations = new Set([input.from.implementation, expected.installed ?? ""]);
  if (!ownImplementations.has(now.recordImplementation)) {
    differences.push(
      `deployment record: it names ${now.recordImplementation}, which this run neither started from nor installed`,
    );
  }
  if (differences.length > 0) throw new TargetChangedError(state.runId, differences);
}
