/**
 * Deploys the AEGIS reference protocol: two mock tokens and AegisEngineV1 behind a transparent (or UUPS)
 * proxy, then writes the deployment record. Takes its dependencies as arguments so that it runs
 * without Hardhat's runtime; tasks/deploy.ts wires them.
 */
import { ethers, type BaseContract, type ContractFactory, type Signer } from "ethers";
import {
  AegisEngineUupsV1__factory,
  AegisEngineV1__factory,
  MockToken__factory,
} from "../../typechain-types";
import type { ContractLayout } from "../evm/storage/contract-layout";
import { writeDeploymentRecord, type DeploymentRecord } from "../evm/chain/deployment-record";
import { DEFAULT_RATE_PER_SECOND, ENGINE_RECORD_NAME } from "./constants";
import { checkDeployInputs } from "./deploy-inputs";

/** What the deployment needs of OpenZeppelin's upgrades plugin (`hre.upgrades` satisfies it). */
export interface ProxyDeployer {
  deployProxy(
    factory: ContractFactory,
    args: unknown[],
    opts: { kind: "transparent" | "uups"; initialOwner?: string; initializer: string },
  ): Promise<BaseContract>;
  erc1967: {
    getImplementationAddress(proxy: string): Promise<string>;
    getAdminAddress(proxy: string): Promise<string>;
  };
}

/** Everything deployProtocol needs from the outside world. */
export interface DeployProtocolParams {
  deployer: Signer;
  networkName: string;
  chainId: number;
  /** Development networks (a local node) may be overwritten without --force. */
  isDevelopmentNetwork: boolean;
  deploymentsDir: string;
  proxyDeployer: ProxyDeployer;
  /** The proxy kind: a transparent proxy with a ProxyAdmin (default), or UUPS. */
  kind?: "transparent" | "uups";
  /** The layout of the engine's V1 from the project's build, recorded for later comparisons. */
  engineLayout: ContractLayout;
  /** ProxyAdmin owner and holder of the engine's admin and pauser roles; default the deployer. */
  owner?: string;
  force?: boolean;
  ratePerSecond?: bigint;
}

/** What was deployed, and where its record was written. */
export interface DeployProtocolResult {
  record: DeploymentRecord;
  recordPath: string;
}

/** The engine's V1 contract for a proxy kind. */
export function engineContractName(kind: "transparent" | "uups"): string {
  return kind === "uups" ? "AegisEngineUupsV1" : "AegisEngineV1";
}

/** Deploys tokens and the proxied engine, and writes deployments/<network>/AegisEngine.json. */
export async function deployProtocol(params: DeployProtocolParams): Promise<DeployProtocolResult> {
  const { recordPath } = checkDeployInputs(params);
  const deployerAddress = await params.deployer.getAddress();
  const owner = ethers.getAddress(params.owner ?? deployerAddress);

  const tokenFactory = new MockToken__factory(params.deployer);
  const token0 = await tokenFactory.deploy("AEGIS Token 0", "AGT0");
  const token1 = await tokenFactory.deploy("AEGIS Token 1", "AGT1");
  await Promise.all([token0.waitForDeployment(), token1.waitForDeployment()]);

  const kind = params.kind ?? "transparent";
  // A UUPS engine keeps its upgrade right in the engine itself: the owner's admin role.
  const engineFactory =
    kind === "uups"
      ? new AegisEngineUupsV1__factory(params.deployer)
      : new AegisEngineV1__factory(params.deployer);
  const proxy = await params.proxyDeployer.deployProxy(
    engineFactory,
    [
      await token0.getAddress(),
      await token1.getAddress(),
      owner,
      params.ratePerSecond ?? DEFAULT_RATE_PER_SECOND,
    ],
    kind === "uups"
      ? { kind, initializer: "initialize" }
      : { kind, initialOwner: owner, initializer: "initialize" },
  );
  await proxy.waitForDeployment();
  const proxyAddress = await proxy.getAddress();
  const receipt = await proxy.deploymentTransaction()?.wait();
  const provider = params.deployer.provider;
  if (provider === null || receipt === null || receipt === undefined) {
    throw new Error("the proxy's deployment transaction has no receipt");
  }
  const block = await provider.getBlock(receipt.blockNumber);
  const implementation = await params.proxyDeployer.erc1967.getImplementationAddress(proxyAddress);
  const proxyAdmin = await params.proxyDeployer.erc1967.getAdminAddress(proxyAddress);

  const record: DeploymentRecord = {
    schemaVersion: 1,
    name: ENGINE_RECORD_NAME,
    network: params.networkName,
    chainId: params.chainId,
    proxy: proxyAddress,
    proxyKind: kind,
    proxyAdmin: ethers.getAddress(proxyAdmin),
    owner,
    current: {
      contract: engineContractName(kind),
      implementation: ethers.getAddress(implementation),
      bytecodeHash: ethers.keccak256(await provider.getCode(implementation)),
      block: receipt.blockNumber,
    },
    history: [],
    implementations: [],
    tokens: { token0: await token0.getAddress(), token1: await token1.getAddress() },
    deployedAt: { block: receipt.blockNumber, timestamp: block?.timestamp ?? 0 },
    layout: params.engineLayout,
  };
  writeDeploymentRecord(recordPath, record);
  return { record, recordPath };
}
