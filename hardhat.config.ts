import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-ethers";
import "@nomicfoundation/hardhat-chai-matchers";
import "@openzeppelin/hardhat-upgrades";
import "@typechain/hardhat";
import { SOLC_VERSION } from "./tasks/offline-compiler";
import "./tasks/test-files";
import "./tasks/aegis-config";
import "./tasks/deploy";

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
  mocha: { timeout: 300_000 },
};

export default config;
