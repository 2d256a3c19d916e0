import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { startHardhatNode, type LocalNode } from "../../helpers/local-node";
import { runHardhat } from "../../helpers/hardhat-cli";
import {
  createSafe,
  deployArtifact,
  deploySafeInfrastructure,
  deployTimelock,
  projectArtifact,
} from "../../helpers/governance-fixture";
import {
  resolveAuthorityChain,
  signerRoute,
  stepAuthorities,
  type AuthorityChain,
} from "../../../src/evm/chain/authority-chain";
import { assertSignerCanAct } from "../../../src/evm/chain/authority-preflight";
import { formatAuthorityReport, authorityReport } from "../../../src/evm/chain/authority-report";
import { verifyAdmin } from "../../../src/evm/upgrade/verify-admin";
import { isAegisError } from "../../../src/core/errors";

const engine = new ethers.Interface(
  projectArtifact("contracts/AegisEngineV1.sol", "AegisEngineV1").abi,
);
const pauseCalls = {
  pauseData: engine.encodeFunctionData("pause"),
  unpauseData: engine.encodeFunctionData("unpause"),
};
const PAUSER_ROLE = ethers.id("PAUSER_ROLE");

/** The coded error a promise rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAegisError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a coded error");
}

describe("the authority chain of a proxy, resolved from real Safe and timelock contracts", () => {
  let node: LocalNode;
  let provider: ethers.JsonRpcProvider;
  let accounts: string[];
  let safe: string;
  let timelock: string;
  /** Transparent engine: ProxyAdmin and pauser role owned by a 2-of-3 Safe. */
  let safeOwned: string;
  /** UUPS engine: admin and pauser roles held by a timelock whose proposers are the Safe and account #0. */
  let timelocked: string;
  /** Transparent engine: ProxyAdmin owned by account #0, pauser role by the Safe. */
  let splitRights: string;

  before(async () => {
    node = await startHardhatNode();
    provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    accounts = (await provider.listAccounts()).map((signer) => signer.address);
    const deployer = await provider.getSigner(5);
    const infrastructure = await deploySafeInfrastructure(deployer);
    safe = await createSafe(infrastructure, [accounts[1]!, accounts[2]!, accounts[3]!], 2);
    timelock = await deployTimelock(deployer, 3600, [safe, accounts[0]!], [accounts[0]!]);
    const init = (admin: string) =>
      engine.encodeFunctionData("initialize", [accounts[8], accounts[9], admin, 0]);
    const v1 = await deployArtifact(
      projectArtifact("contracts/AegisEngineV1.sol", "AegisEngineV1"),
      deployer,
    );
    const uupsV1 = await deployArtifact(
      projectArtifact("contracts/AegisEngineUupsV1.sol", "AegisEngineUupsV1"),
      deployer,
    );
    const transparent = projectArtifact(
      "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol",
      "TransparentUpgradeableProxy",
    );
    const erc1967 = JSON.parse(
      fs.readFileSync(
        require.resolve("@openzeppelin/upgrades-core/artifacts/@openzeppelin/contracts-v5/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json"),
        "utf8",
      ),
    ) as { abi: ethers.InterfaceAbi; bytecode: string };
    const v1Address = await v1.getAddress();
    safeOwned = await (
      await deployArtifact(transparent, deployer, [v1Address, safe, init(safe)])
    ).getAddress();
    timelocked = await (
      await deployArtifact(erc1967, deployer, [await uupsV1.getAddress(), init(timelock)])
    ).getAddress();
    splitRights = await (
      await deployArtifact(transparent, deployer, [v1Address, accounts[0], init(safe)])
    ).getAddress();
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
  });

  it("follows a transparent proxy to its ProxyAdmin and a 2-of-3 Safe, with the pause role", async () => {
    const chain = await resolveAuthorityChain(provider, safeOwned, pauseCalls);
    expect(chain.proxyKind).to.equal("transparent");
    expect(chain.upgrade.guard).to.deep.include({
      kind: "owner",
      contract: chain.proxyAdmin,
      owner: safe,
    });
    expect(chain.upgrade.holders).to.deep.equal([
      {
        kind: "safe",
        address: safe,
        version: "1.4.1",
        knownVersion: true,
        owners: [accounts[1], accounts[2], accounts[3]],
        threshold: 2,
        nonce: "0",
      },
    ]);
    for (const right of [chain.pause!, chain.unpause!]) {
      expect(right.guard).to.deep.equal({
        kind: "role",
        contract: safeOwned,
        role: PAUSER_ROLE,
        members: [safe],
      });
      expect(right.holders.map((holder) => holder.kind)).to.deep.equal(["safe"]);
    }
  });

  it("follows a UUPS proxy to its admin role, a timelock, and the Safe among its proposers", async () => {
    const chain = await resolveAuthorityChain(provider, timelocked, pauseCalls);
    expect(chain.proxyKind).to.equal("uups");
    expect(chain.upgrade.guard).to.deep.include({
      kind: "role",
      role: ethers.ZeroHash,
      members: [timelock],
    });
    const [holder] = chain.upgrade.holders;
    if (holder?.kind !== "timelock") throw new Error(`expected a timelock, got ${holder?.kind}`);
    expect(holder.minDelay).to.equal(3600);
    expect(holder.proposers.map((p) => [p.kind, p.address])).to.deep.equal([
      ["safe", safe],
      ["eoa", accounts[0]],
    ]);
    expect(holder.executors).to.deep.equal([{ kind: "eoa", address: accounts[0] }]);
    // OpenZeppelin's timelock makes every proposer a canceller.
    expect(holder.cancellers.map((c) => c.address)).to.deep.equal([safe, accounts[0]]);
  });

  it("says how each signer gets each step done: directly, through the Safe, or through the timelock", async () => {
    const safeChain = await resolveAuthorityChain(provider, safeOwned, pauseCalls);
    const timelockChain = await resolveAuthorityChain(provider, timelocked, pauseCalls);
    expect(signerRoute(safeChain.upgrade, accounts[1]!)).to.deep.include({ kind: "safe" });
    expect(signerRoute(safeChain.upgrade, accounts[0]!).kind).to.equal("none");
    // Acting as the holder itself (a rehearsal impersonating the Safe) is direct.
    expect(signerRoute(safeChain.upgrade, safe)).to.deep.equal({ kind: "direct", holder: safe });
    const byProposer = signerRoute(timelockChain.upgrade, accounts[0]!);
    expect(byProposer.kind).to.equal("timelock");
    expect(byProposer.kind === "timelock" && byProposer.proposer.kind).to.equal("direct");
    const bySafeOwner = signerRoute(timelockChain.upgrade, accounts[2]!);
    expect(bySafeOwner.kind === "timelock" && bySafeOwner.proposer.kind).to.equal("safe");
    expect(signerRoute(timelockChain.upgrade, accounts[7]!).kind).to.equal("none");

    const steps = stepAuthorities(safeChain, accounts[1]!);
    expect(steps.map((s) => [s.step, s.route.kind])).to.deep.equal([
      ["pause", "safe"],
      ["deploy-implementation", "direct"],
      ["upgrade", "safe"],
      ["unpause", "safe"],
    ]);
  });

  it("refuses at preflight naming the missing right and who holds it", async () => {
    const label = "AegisEngine";
    const at = async (proxy: string): Promise<AuthorityChain> =>
      resolveAuthorityChain(provider, proxy, pauseCalls);
    const notOwner = await codeOf(
      assertSignerCanAct(provider, await at(safeOwned), accounts[0]!, label),
    );
    expect(notOwner.code).to.equal("AEGIS-E304");
    expect(notOwner.message).to.contain(`Safe ${safe} (2 of 3 owners, v1.4.1)`);

    const uupsOutsider = await codeOf(
      assertSignerCanAct(provider, await at(timelocked), accounts[7]!, label),
    );
    expect(uupsOutsider.code).to.equal("AEGIS-E338");
    expect(uupsOutsider.message).to.contain(`TimelockController ${timelock} (delay 3600 s`);

    const safeOwner = await codeOf(
      assertSignerCanAct(provider, await at(safeOwned), accounts[1]!, label),
    );
    expect(safeOwner.code).to.equal("AEGIS-E350");
    expect(safeOwner.message).to.contain(`as an owner of Safe ${safe}: 2 of 3 signatures`);

    // The ProxyAdmin's owner may upgrade, but the pauser role is the Safe's: the checklist could not pause.
    const split = await codeOf(
      assertSignerCanAct(provider, await at(splitRights), accounts[0]!, label),
    );
    expect(split.code).to.equal("AEGIS-E351");
    expect(split.message).to.contain(`pause()`).and.to.contain(`Safe ${safe}`);

    const accepted = await assertSignerCanAct(
      provider,
      await at(timelocked),
      accounts[0]!,
      label,
      new Set(["direct", "timelock"]),
    );
    expect(accepted.upgrade.kind).to.equal("timelock");
  });

  it("aegis:verify-admin prints the chain, and --json gives the same data; a bad --proxy is E301", async () => {
    const deps = {
      provider,
      deploymentsDir: os.tmpdir(),
      networkName: "localhost",
      signerAddress: accounts[0]!,
      loadPreset: () => Promise.reject(new Error("no record is used here")),
    };
    const text = formatAuthorityReport(await verifyAdmin(timelocked, deps)).join("\n");
    expect(text).to.contain(`TimelockController ${timelock}: min delay 3600 s`);
    expect(text).to.contain(`Safe ${safe} v1.4.1: 2 of 3, nonce 0`);
    expect(text).to.match(/✔ upgrade +through TimelockController/);
    expect((await codeOf(verifyAdmin("0x1234", deps))).code).to.equal("AEGIS-E301");

    const records = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-verify-admin-"));
    try {
      const cli = await runHardhat(
        ["aegis:verify-admin", "--network", "localhost", "--proxy", safeOwned, "--json"],
        { AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: records },
      );
      expect(cli.code, cli.stderr).to.equal(0);
      const printed = JSON.parse(cli.stdout) as ReturnType<typeof authorityReport>;
      expect(printed.chain.upgrade.holders[0]).to.deep.include({
        kind: "safe",
        address: safe,
        threshold: 2,
      });
      expect(printed.steps.find((s) => s.step === "upgrade")?.route.kind).to.equal("none");
    } finally {
      fs.rmSync(records, { recursive: true, force: true });
    }
  });
});
