import { extendConfig } from "hardhat/config";
import type { HardhatConfig, HardhatUserConfig } from "hardhat/types";
import type { UpgradePreset } from "../src/evm/upgrade/upgrade-preset";
import type { PresetSetting } from "../src/evm/upgrade/preset-config";

/**
 * A protocol's preset: the name of one registered in code (`registerPreset`; this repository
 * registers its reference protocol's as "aegis"), a function that loads a TypeScript module
 * implementing UpgradePreset, or data (the generic preset: pause functions or "none", views,
 * invariants, snapshot keys; src/evm/upgrade/preset-config.ts documents its keys).
 */
export type AegisPresetSetting = PresetSetting<UpgradePreset<unknown>>;

/** What aegis:upgrade does when the command line does not say. */
export interface AegisUpgradeConfig {
  /** A deployment record's name (deployments/<network>/<name>.json) or a proxy address. */
  proxy: string;
  /** The contract to upgrade to. */
  to: string;
  /** The reinitializer called atomically with the upgrade; null for none. */
  call: { fn: string; args: unknown[] } | null;
  /** `_initialized` expected after the upgrade; null: not checked. */
  initializerVersion: number | null;
  /** Blocks to watch after the upgrade for admin events and invariant drift. */
  monitorBlocks: number;
  /**
   * The preset of `proxy` (of every proxy when `proxy` is unset), unless `aegis.presets` names
   * one for the proxy's record.
   */
  preset: AegisPresetSetting;
}

/** The toolkit's section of hardhat.config.ts. */
export interface AegisUserConfig {
  /** Networks whose records may be overwritten and that need no rehearsal receipt. */
  developmentNetworks?: string[];
  /** Where records, journals and reports go; default `deployments` beside the config. */
  deploymentsDir?: string;
  upgrade?: Partial<AegisUpgradeConfig>;
  /**
   * Presets by deployment record name. Without one, a proxy made by `aegis:import` runs on the
   * generic defaults (pause only if it has pause(), unpause() and paused(); no invariants) and
   * one made by `aegis:deploy` on the AEGIS preset.
   */
  presets?: Record<string, AegisPresetSetting>;
  /**
   * Compile with solc-js from the npm `solc` package (the project's own, else the toolkit's
   * 0.8.28) instead of downloading a compiler, for the version that package ships: Hardhat 2
   * cannot compile without internet otherwise (HH502). Default false.
   */
  offlineCompiler?: boolean;
}

/** The section with its defaults filled in. */
export interface AegisConfig {
  developmentNetworks: string[];
  deploymentsDir: string;
  upgrade: Partial<AegisUpgradeConfig>;
  presets: Record<string, AegisPresetSetting>;
  offlineCompiler: boolean;
}

declare module "hardhat/types/config" {
  interface HardhatUserConfig {
    aegis?: AegisUserConfig;
  }
  interface HardhatConfig {
    aegis: AegisConfig;
  }
}

extendConfig((config: HardhatConfig, userConfig: Readonly<HardhatUserConfig>) => {
  const user = userConfig.aegis ?? {};
  // The environment overrides the file so that tests and CI can aim a run elsewhere without
  // editing the config: AEGIS_DEPLOYMENTS_DIR, AEGIS_DEVELOPMENT_NETWORKS=hardhat,localhost.
  const fromEnv = process.env.AEGIS_DEVELOPMENT_NETWORKS;
  config.aegis = {
    developmentNetworks:
      fromEnv !== undefined
        ? fromEnv.split(",").filter((name) => name !== "")
        : (user.developmentNetworks ?? ["hardhat", "localhost"]),
    deploymentsDir:
      process.env.AEGIS_DEPLOYMENTS_DIR ??
      user.deploymentsDir ??
      `${config.paths.root}/deployments`,
    upgrade: user.upgrade ?? {},
    presets: user.presets ?? {},
    offlineCompiler: user.offlineCompiler ?? false,
  };
});
