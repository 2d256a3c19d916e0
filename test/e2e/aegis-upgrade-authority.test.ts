import { expect } from "chai";
import path from "node:path";
import { ethers } from "ethers";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { AegisEngineV2__factory } from "../../typechain-types";

describe("aegis:upgrade of a UUPS proxy, whose upgrade right lives in the implementation", () => {
  let seeded: SeededNode;
  let provider: ethers.JsonRpcProvider;
  before(async () => {
    seeded = await startSeededNode(["--seed", "--kind", "uups"]);
    provider = new ethers.JsonRpcProvider(seeded.node.url, undefined, { staticNetwork: true });
  });
  after(async () => {
    provider?.destroy();
    await seeded?.stop();
  });

  it("rehearses forward and back on a fork, then upgrades the live proxy through upgradeToAndCall", async () => {
    const recordPath = path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json");
    const v1 = readDeploymentRecord(recordPath, "localhost");
    expect(v1.proxyKind).to.equal("uups");
    const rehearsal = await seeded.hardhat([
      "aegis:rehearse",
      "--fork-url",
      seeded.node.url,
      "--engine",
      "anvil",
      "--to",
      "AegisEngineUupsV2",
    ]);
    expect(rehearsal.code, rehearsal.stderr + rehearsal.stdout).to.equal(0);
    expect(rehearsal.stdout).to.contain("PASSED");

    const result = await seeded.hardhat(["aegis:upgrade", "--yes", "--to", "AegisEngineUupsV2"]);
    expect(result.code, result.stderr + result.stdout).to.equal(0);
    expect(result.stdout).to.contain("passes the proxy's _authorizeUpgrade");
    const info = await readProxyInfo(provider, v1.proxy);
    expect(info.kind).to.equal("uups");
    expect(info.implementation).to.not.equal(v1.current.implementation);
    expect(await AegisEngineV2__factory.connect(v1.proxy, provider).newFeatureEnabled()).to.equal(
      1n,
    );
    expect(readDeploymentRecord(recordPath, "localhost").current.contract).to.equal(
      "AegisEngineUupsV2",
    );
  });
});

for (const kind of ["transparent", "uups"]) {
  describe(`aegis:upgrade of a ${kind} proxy by a signer without the upgrade right`, () => {
    let seeded: SeededNode;
    before(async () => {
      // The upgrade right goes to account #1; the CLI signs with account #0.
      seeded = await startSeededNode([
        "--kind",
        kind,
        "--owner",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      ]);
    });
    after(() => seeded?.stop());

    it(`refuses with ${kind === "uups" ? "AEGIS-E338" : "AEGIS-E304"}, sending nothing`, async () => {
      const before = await seeded.blockNumber();
      const to = kind === "uups" ? "AegisEngineUupsV2" : "AegisEngineV2";
      const result = await seeded.hardhat(["aegis:upgrade", "--yes", "--to", to]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(
        kind === "uups"
          ? /^AEGIS-E338 .*UUPS proxy .*upgradeToAndCall refuses it/
          : /^AEGIS-E304 .*owned by 0x7099…79C8/,
      );
      expect(await seeded.blockNumber()).to.equal(before);
    });
  });
}
