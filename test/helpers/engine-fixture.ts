import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AegisEngineV1__factory,
  MockToken__factory,
  type AegisEngineV1,
  type MockToken,
} from "../../typechain-types";
import { DEFAULT_RATE_PER_SECOND } from "../../src/aegis/constants";

/** A V1 engine behind a transparent proxy on the in-process network, with funded actors. */
export interface EngineFixture {
  engine: AegisEngineV1;
  token0: MockToken;
  token1: MockToken;
  admin: HardhatEthersSigner;
  actors: HardhatEthersSigner[];
  proxy: string;
}

const FUNDS = 10n ** 30n;

/** Deploys the fixture; use it through loadFixture so that each test starts from a snapshot. */
export async function deployEngineFixture(): Promise<EngineFixture> {
  const [admin, ...actors] = await hre.ethers.getSigners();
  const tokenFactory = new MockToken__factory(admin);
  const token0 = await tokenFactory.deploy("Token 0", "TK0");
  const token1 = await tokenFactory.deploy("Token 1", "TK1");
  const proxyContract = await hre.upgrades.deployProxy(
    new AegisEngineV1__factory(admin!),
    [await token0.getAddress(), await token1.getAddress(), admin!.address, DEFAULT_RATE_PER_SECOND],
    { kind: "transparent", initialOwner: admin!.address },
  );
  const proxy = await proxyContract.getAddress();
  const engine = AegisEngineV1__factory.connect(proxy, admin);
  const funded = actors.slice(0, 8);
  for (const actor of funded) {
    for (const token of [token0, token1]) {
      await token.mint(actor.address, FUNDS);
      await token.connect(actor).approve(proxy, hre.ethers.MaxUint256);
    }
  }
  return { engine, token0, token1, admin: admin!, actors: funded, proxy };
}
