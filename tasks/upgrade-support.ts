import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import type { RpcEndpoint } from "../src/evm/storage/storage-reader";
import type { StorageSnapshotter } from "../src/evm/storage/storage-snapshotter";
import type { UpgradePlanInput } from "../src/evm/upgrade/plan-input";
import type { UpgradePreset } from "../src/evm/upgrade/upgrade-preset";
import type { DeploymentRecord } from "../src/evm/chain/deployment-record";
import { loadNamedPreset } from "./preset-registry";

/**
 * The preset of a proxy (src/evm/upgrade/preset-config.ts, choosePreset): one registered by
 * name (this repository's "aegis"), a protocol's own loader, or the generic preset built from
 * data and checked against the ABIs of the implementation the proxy runs and of `toContract`
 * (AEGIS-E344..E346 before anything is sent). `target` is the proxy's record, or the proxy as
 * given on the command line (a record name or an address); by default `aegis.upgrade.proxy`,
 * upgraded to `aegis.upgrade.to`. A proxy no record describes gets the generic defaults: the
 * upgrade's own checks then refuse it with their codes (AEGIS-E305, E309) before a preset is used.
 */
export async function loadPreset(
  hre: HardhatRuntimeEnvironment,
  target: DeploymentRecord | string | undefined = hre.config.aegis.upgrade.proxy,
  toContract: string | undefined = hre.config.aegis.upgrade.to,
): Promise<UpgradePreset<unknown>> {
  // Loaded on use: every Hardhat command loads this file with the config.
  const { buildGenericPreset } = await import("../src/evm/upgrade/generic-preset");
  let record: DeploymentRecord | undefined = typeof target === "string" ? undefined : target;
  if (typeof target === "string") {
    const { resolveRecord } = await import("../src/evm/upgrade/upgrade-inputs");
    try {
      record = resolveRecord(hre.config.aegis.deploymentsDir, hre.network.name, target).record;
    } catch {
      // No record (yet): see above.
    }
  }
  if (record === undefined) {
    return buildGenericPreset({ key: "aegis.upgrade.preset", config: undefined, contracts: [] });
  }
  const { choosePreset, parseGenericPreset } = await import("../src/evm/upgrade/preset-config");
  const chosen = choosePreset(
    { presets: hre.config.aegis.presets, upgrade: hre.config.aegis.upgrade },
    { name: record.name, proxy: record.proxy, imported: record.imported !== undefined },
  );
  if (typeof chosen.setting === "string") return loadNamedPreset(chosen.setting, chosen.key);
  if (typeof chosen.setting === "function") return chosen.setting();
  const config =
    chosen.setting === undefined ? undefined : parseGenericPreset(chosen.key, chosen.setting);
  const contracts = [];
  for (const name of new Set([record.current.contract, toContract])) {
    // A contract the build does not have (an implementation imported with --force, an unknown
    // --to) has no ABI to check against; the upgrade's own checks name an unknown --to.
    if (name === undefined) continue;
    const artifact = await hre.artifacts.readArtifact(name).catch(() => undefined);
    if (artifact !== undefined) contracts.push({ name, abi: artifact.abi });
  }
  return buildGenericPreset({ key: chosen.key, config, contracts }) as UpgradePreset<unknown>;
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

/**
 * A proxy given by address with no record, that OpenZeppelin's manifest lists: its import, read
 * from the selected network and written by the caller once its checks pass
 * (src/evm/upgrade/manifest-import.ts); undefined for any other proxy, left to the caller's
 * own checks (AEGIS-E309 names aegis:import).
 */
export async function importFromManifest(
  hre: HardhatRuntimeEnvironment,
  chainId: number,
  proxy: string,
) {
  // Loaded on use: every Hardhat command loads this file with the config.
  const { importListedProxy } = await import("../src/evm/upgrade/manifest-import");
  const { readValidations } = await import("@openzeppelin/hardhat-upgrades/dist/utils/validations");
  return importListedProxy(proxy, {
    provider: hre.ethers.provider,
    eip1193: hre.network.provider,
    networkName: hre.network.name,
    chainId,
    deploymentsDir: hre.config.aegis.deploymentsDir,
    build: hre.artifacts,
    validations: await readValidations(hre),
  });
}
