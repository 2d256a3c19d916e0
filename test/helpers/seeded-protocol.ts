import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { deployProtocol } from "../../src/aegis/deploy-protocol";
import { seedBook, type SeededBook } from "../../src/aegis/seed-book";
import { layoutOfBytecode } from "../../src/evm/storage/contract-layout";
import type { DeploymentRecord } from "../../src/evm/chain/deployment-record";
import type { BookLocation } from "../../src/aegis/book";

/** The reference protocol deployed and seeded on the in-process network, as aegis:deploy does. */
export interface SeededProtocol {
  record: DeploymentRecord;
  book: SeededBook;
  location: BookLocation;
  deploymentsDir: string;
}

/** Deploys and seeds through the same functions as the task; use it with loadFixture. */
export async function deploySeededProtocol(): Promise<SeededProtocol> {
  const deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-deployments-"));
  const signers = await hre.ethers.getSigners();
  const artifact = await hre.artifacts.readArtifact("AegisEngineV1");
  const { record } = await deployProtocol({
    deployer: signers[0]!,
    networkName: "hardhat",
    chainId: 31337,
    isDevelopmentNetwork: true,
    deploymentsDir,
    proxyDeployer: hre.upgrades,
    engineLayout: layoutOfBytecode(await readValidations(hre), "AegisEngineV1", artifact.bytecode),
  });
  const book = await seedBook({
    record,
    networkName: "hardhat",
    accounts: signers,
    advanceTime: (seconds) => time.increase(seconds).then(() => undefined),
  });
  const location = {
    proxy: record.proxy,
    token0: record.tokens.token0!,
    token1: record.tokens.token1!,
    fromBlock: record.deployedAt.block,
  };
  return { record, book, location, deploymentsDir };
}
