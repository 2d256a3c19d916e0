import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { PROJECT_ROOT } from "./local-node";

/**
 * Real governance contracts on a local node: Safe 1.4.1 from the npm package's own build
 * artifacts (the Safe singleton, its proxy factory, the fallback handler, MultiSendCallOnly) and
 * OpenZeppelin's TimelockController from this project's build. Nothing is mocked: a Safe made
 * here checks signatures and thresholds as on mainnet.
 */

const SAFE_ARTIFACTS = path.join(
  PROJECT_ROOT,
  "node_modules",
  "@safe-global",
  "safe-contracts",
  "build",
  "artifacts",
  "contracts",
);

/** An artifact of the Safe package (abi and bytecode). */
export function safeArtifact(relative: string): { abi: ethers.InterfaceAbi; bytecode: string } {
  const json = JSON.parse(fs.readFileSync(path.join(SAFE_ARTIFACTS, relative), "utf8")) as {
    abi: ethers.InterfaceAbi;
    bytecode: string;
  };
  return { abi: json.abi, bytecode: json.bytecode };
}

/** An artifact of this project's build (artifacts/). */
export function projectArtifact(
  source: string,
  name: string,
): { abi: ethers.InterfaceAbi; bytecode: string } {
  const file = path.join(PROJECT_ROOT, "artifacts", source, `${name}.json`);
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as {
    abi: ethers.InterfaceAbi;
    bytecode: string;
  };
  return json;
}

/** Deploys a contract from an artifact and waits for it. */
export async function deployArtifact(
  artifact: { abi: ethers.InterfaceAbi; bytecode: string },
  signer: ethers.Signer,
  args: unknown[] = [],
): Promise<ethers.BaseContract> {
  const factory = new ethers.ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract;
}

/** The Safe 1.4.1 deployment a chain needs before it can have Safes. */
export interface SafeInfrastructure {
  singleton: string;
  factory: ethers.Contract;
  fallbackHandler: string;
  multiSendCallOnly: string;
}

/** Deploys the Safe singleton, its proxy factory, fallback handler and MultiSendCallOnly. */
export async function deploySafeInfrastructure(
  deployer: ethers.Signer,
): Promise<SafeInfrastructure> {
  const singleton = await deployArtifact(safeArtifact("Safe.sol/Safe.json"), deployer);
  const factory = await deployArtifact(
    safeArtifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"),
    deployer,
  );
  const fallbackHandler = await deployArtifact(
    safeArtifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"),
    deployer,
  );
  const multiSendCallOnly = await deployArtifact(
    safeArtifact("libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json"),
    deployer,
  );
  return {
    singleton: await singleton.getAddress(),
    factory: factory as ethers.Contract,
    fallbackHandler: await fallbackHandler.getAddress(),
    multiSendCallOnly: await multiSendCallOnly.getAddress(),
  };
}

/** Creates a Safe with `owners` and `threshold` through the proxy factory; returns its address. */
export async function createSafe(
  infrastructure: SafeInfrastructure,
  owners: string[],
  threshold: number,
  saltNonce = 0,
): Promise<string> {
  const safeInterface = new ethers.Interface(safeArtifact("Safe.sol/Safe.json").abi);
  const setup = safeInterface.encodeFunctionData("setup", [
    owners,
    threshold,
    ethers.ZeroAddress,
    "0x",
    infrastructure.fallbackHandler,
    ethers.ZeroAddress,
    0,
    ethers.ZeroAddress,
  ]);
  const factory = infrastructure.factory;
  const tx = (await factory.getFunction("createProxyWithNonce")(
    infrastructure.singleton,
    setup,
    saltNonce,
  )) as ethers.ContractTransactionResponse;
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = factory.interface.parseLog(log);
    if (parsed?.name === "ProxyCreation") return ethers.getAddress(parsed.args[0] as string);
  }
  throw new Error("the Safe proxy factory emitted no ProxyCreation");
}

/** Deploys OpenZeppelin's TimelockController (no admin: the timelock administers itself). */
export async function deployTimelock(
  deployer: ethers.Signer,
  minDelay: number,
  proposers: string[],
  executors: string[],
): Promise<string> {
  const artifact = projectArtifact(
    "@openzeppelin/contracts/governance/TimelockController.sol",
    "TimelockController",
  );
  const timelock = await deployArtifact(artifact, deployer, [
    minDelay,
    proposers,
    executors,
    ethers.ZeroAddress,
  ]);
  return timelock.getAddress();
}

/** The private keys of Hardhat's default accounts (its public test mnemonic), for signing. */
export function hardhatWallet(index: number): ethers.HDNodeWallet {
  return ethers.HDNodeWallet.fromPhrase(
    "test test test test test test test test test test test junk",
    undefined,
    `m/44'/60'/0'/0/${index}`,
  );
}
