/**
 * The toolkit as a Hardhat 2 plugin: `import "aegis-upgrade-toolkit";` in a project's
 * hardhat.config.ts registers the `aegis` config section, the offline compiler option, the
 * transport retry of every network's provider, and the tasks that work on any project's proxies:
 * aegis:import, aegis:verify-admin, aegis:upgrade, aegis:rollback, aegis:abandon, aegis:status, aegis:rehearse,
 * aegis:layout, aegis:snapshot and aegis:diff. The reference protocol's aegis:deploy and its
 * preset stay in this repository (tasks/aegis-reference.ts).
 */
// The tasks read hre.ethers, and the storage layouts OpenZeppelin's plugin records at compile
// time (cache/validations.json): both plugins are peer dependencies, loaded once per project.
import "@nomicfoundation/hardhat-ethers";
import "@openzeppelin/hardhat-upgrades";
import "./aegis-config";
import "./offline-compiler";
import "./provider-retry";
import "./import";
import "./verify-admin";
import "./upgrade";
import "./rehearse";
import "./snapshot";
import "./layout";

export { registerPreset, type PresetLoader } from "./preset-registry";
export type {
  AegisConfig,
  AegisPresetSetting,
  AegisUpgradeConfig,
  AegisUserConfig,
} from "./aegis-config";
export type { GenericPresetConfig } from "../src/evm/upgrade/preset-config";
export type {
  InvariantFigure,
  InvariantResult,
  UpgradePreset,
} from "../src/evm/upgrade/upgrade-preset";
export type { DeploymentRecord } from "../src/evm/chain/deployment-record";
