import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import type { RpcEndpoint } from "../src/evm/storage/storage-reader";
import type { StorageSnapshotter } from "../src/evm/storage/storage-snapshotter";
import type { UpgradePlanInput } from "../src/evm/upgrade/plan-input";
import type { UpgradePreset } from "../src/evm/upgrade/upgrade-preset";

/** The configured preset: the AEGIS one by name, or a protocol's own loader. */
export async function loadPreset(hre: HardhatRuntimeEnvironment): Promise<UpgradePreset<unknown>> {
  const configured = hre.config.aegis.upgrade.preset ?? "aegis";
  if (configured === "aegis") {
    const { aegisPreset } = await import("../src/aegis/preset");
    return aegisPreset as UpgradePreset<unknown>;
  }
  return configured();
}

/**
 * The checklist's snapshot port for one plan: the layouts before and after, read through
 * `endpoint`, with the preset's mapping keys (events scanned from the deployment block on).
 */
export async function presetSnapshotter(params: {
  preset: UpgradePreset<unknown>;
  endpoint: RpcEndpoint;
  input: UpgradePlanInput;
  fromLayout: StorageLayout;
  toLayout: StorageLayout;
  deployedAtBlock: number;
}): Promise<StorageSnapshotter> {
  // Loaded on use: every Hardhat command loads this file with the config.
  const { createLayoutSnapshotter } = await import("../src/evm/storage/layout-snapshotter");
  const { input } = params;
  return createLayoutSnapshotter({
    endpoint: params.endpoint,
    address: input.proxy,
    before: { contract: input.from.contract, layout: params.fromLayout },
    after: { contract: input.to.contract, layout: params.toLayout },
    keySources: params.preset.snapshotKeys?.keySources ?? [],
    mappingKeys: params.preset.snapshotKeys?.mappingKeys ?? {},
    fromBlock: params.deployedAtBlock,
  });
}
