import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { UpgradePreset } from "../src/evm/upgrade-preset";

/** The configured preset: the AEGIS one by name, or a protocol's own loader. */
export async function loadPreset(hre: HardhatRuntimeEnvironment): Promise<UpgradePreset<unknown>> {
  const configured = hre.config.aegis.upgrade.preset ?? "aegis";
  if (configured === "aegis") {
    const { aegisPreset } = await import("../src/aegis/preset");
    return aegisPreset as UpgradePreset<unknown>;
  }
  return configured();
}
