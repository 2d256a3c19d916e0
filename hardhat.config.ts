import type { HardhatUserConfig } from "hardhat/config";
import "@typechain/hardhat";
// The plugin other projects import as "aegis-upgrade-toolkit", from its sources.
import "./tasks/plugin";
import { SOLC_VERSION } from "./tasks/offline-compiler";
import "./tasks/aegis-reference";
import "./tasks/test-files";
import "./tasks/sql-tasks";
import "./tasks/api-tasks";

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: { optimizer: { enabled: true, runs: 200 } },
  },
  networks: {
    hardhat: {},
    // Tests and scripts point this at a node they started on a free port.
    localhost: { url: process.env.AEGIS_LOCALHOST_URL ?? "http://127.0.0.1:8545" },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  aegis: {
    offlineCompiler: true,
    // What `npx hardhat aegis:upgrade` does without --proxy/--to: the reference protocol's
    // upgrade to V2, switching the new feature on in the same transaction.
    upgrade: {
      proxy: "AegisEngine",
      to: "AegisEngineV2",
      call: { fn: "initializeV2", args: [1] },
      initializerVersion: 2,
      monitorBlocks: 1,
      preset: "aegis",
    },
  },
  // `npm test` runs files in parallel workers (`--parallel`); most of a test waits on nodes and child
  // processes, so more workers than the two cores keep both busy.
  mocha: { timeout: 300_000, jobs: 3 },
};

export default config;
