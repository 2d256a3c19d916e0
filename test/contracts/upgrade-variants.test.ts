// Hardhat's chai matchers (reverted, emit, ...) are registered by the suites that use them, not by
// hardhat.config.ts: every process the tests start would load chai otherwise.
import "@nomicfoundation/hardhat-chai-matchers";
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySeededProtocol } from "../helpers/seeded-protocol";
import { readBook } from "../../src/aegis/book";
import { checkBook, compareBooks } from "../../src/aegis/invariants";
import { readInitializableState } from "../../src/evm/chain/initializable";
import { AegisEngineV2__factory } from "../../typechain-types";

describe("upgrading the seeded protocol from V1", () => {
  it("seeds a book on which every invariant holds, with vaults near the LTV limit", async () => {
    const { location, book } = await loadFixture(deploySeededProtocol);
    const state = await readBook(hre.ethers.provider, location);
    expect(checkBook(state).filter((r) => !r.holds)).to.deep.equal([]);
    expect(Object.keys(state.lenders).length).to.be.at.least(book.lenders.length);
    expect(Object.keys(state.vaults)).to.have.length(book.borrowers.length);
    const ltvs = Object.values(state.vaults).map((v) => v.ltvBpsView);
    expect(ltvs.some((ltv) => ltv > 9_400n && ltv <= 9_800n)).to.equal(true);
    expect(state.multiplier).to.be.greaterThan(10n ** 18n);
  });

  it("V1 -> V2 with initializeV2 keeps every invariant and sets the new state", async () => {
    const { record, location } = await loadFixture(deploySeededProtocol);
    const before = await readBook(hre.ethers.provider, location);
    const factory = await hre.ethers.getContractFactory("AegisEngineV2");
    await hre.upgrades.upgradeProxy(record.proxy, factory, {
      kind: "transparent",
      call: { fn: "initializeV2", args: [1] },
    });
    const after = await readBook(hre.ethers.provider, location);
    expect(compareBooks(before, after).filter((r) => !r.holds)).to.deep.equal([]);
    const engine = AegisEngineV2__factory.connect(record.proxy, hre.ethers.provider);
    expect(await engine.newFeatureEnabled()).to.equal(1n);
    expect(
      (await readInitializableState(hre.ethers.provider, record.proxy)).initializedVersion,
    ).to.equal(2n);
    const [, lender] = await hre.ethers.getSigners();
    await expect(
      engine.connect(lender!).deposit((await engine.MAX_DEPOSIT_L()) + 1n),
    ).to.be.revertedWithCustomError(engine, "DepositAboveCap");
  });

  const layoutBreakers = [
    { contract: "AegisEngineV2InsertedVariable", says: "Inserted `insertedBeforeEverything`" },
    { contract: "AegisEngineV2Retyped", says: "Upgraded `borrowedL` to an incompatible type" },
    {
      contract: "AegisEngineV2MovedNamespace",
      says: "Deleted namespace `erc7201:aegis.storage.RiskParams`",
    },
  ];
  for (const { contract, says } of layoutBreakers) {
    it(`rejects ${contract} on its storage layout alone`, async () => {
      const { record } = await loadFixture(deploySeededProtocol);
      const factory = await hre.ethers.getContractFactory(contract);
      let message = "";
      await hre.upgrades
        .validateUpgrade(record.proxy, factory, { kind: "transparent" })
        .catch((error: Error) => {
          message = error.message;
        });
      expect(message).to.contain("New storage layout is incompatible");
      expect(message).to.contain(says);
    });
  }

  it("lets the corrupting reinitializer pass layout checks, and its M change breaks LU-3", async () => {
    const { record, location } = await loadFixture(deploySeededProtocol);
    const factory = await hre.ethers.getContractFactory("AegisEngineV2CorruptingReinitializer");
    await hre.upgrades.validateUpgrade(record.proxy, factory, { kind: "transparent" });
    const before = await readBook(hre.ethers.provider, location);
    await hre.upgrades.upgradeProxy(record.proxy, factory, {
      kind: "transparent",
      call: { fn: "initializeV2", args: [1] },
    });
    const after = await readBook(hre.ethers.provider, location);
    const broken = compareBooks(before, after)
      .filter((r) => !r.holds)
      .map((r) => r.id);
    expect(broken).to.include("LU-3");
    expect(after.multiplier).to.equal(before.multiplier + before.multiplier / 100n);
  });

  it("shows the variant without reinitializer(2) leaves the version at 1 and initializeV2 open", async () => {
    const { record } = await loadFixture(deploySeededProtocol);
    const factory = await hre.ethers.getContractFactory("AegisEngineV2WithoutReinitializer");
    await hre.upgrades.upgradeProxy(record.proxy, factory, {
      kind: "transparent",
      call: { fn: "initializeV2", args: [1] },
    });
    expect(
      (await readInitializableState(hre.ethers.provider, record.proxy)).initializedVersion,
    ).to.equal(1n);
    const stranger = (await hre.ethers.getSigners())[15]!;
    const engine = factory.attach(record.proxy).connect(stranger) as unknown as {
      initializeV2(v: bigint): Promise<unknown>;
      newFeatureEnabled(): Promise<bigint>;
    };
    await engine.initializeV2(7n);
    expect(await engine.newFeatureEnabled()).to.equal(7n);
  });
});
