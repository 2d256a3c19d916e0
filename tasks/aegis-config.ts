import { extendConfig } from "hardhat/config";
import type { HardhatConfig, HardhatUserConfig } from "hardhat/types";

/** The toolkit's section of hardhat.config.ts. */
export interface AegisUserConfig {
  /** Networks whose records may be overwritten and that need no rehearsal receipt. */
  developmentNetworks?: string[];
  /** Where records, journals and reports go; default `deployments` beside the config. */
  deploymentsDir?: string;
}

/** The section with its defaults filled in. */
export interface AegisConfig {
  developmentNetworks: string[];
  deploymentsDir: string;
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
  };
});
