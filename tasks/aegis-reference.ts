/**
 * This repository's example, beside the plugin (tasks/plugin.ts) and not packed with it: the
 * AEGIS reference protocol's aegis:deploy and its preset, registered as "aegis" (the preset of
 * the records aegis:deploy writes).
 */
import type { UpgradePreset } from "../src/evm/upgrade/upgrade-preset";
import { registerPreset } from "./preset-registry";
import "./deploy";

registerPreset("aegis", async () => {
  // Loaded on use: it imports typechain-types, which exist only after the first compile.
  const { aegisPreset } = await import("../src/aegis/preset");
  return aegisPreset as UpgradePreset<unknown>;
});
