// Hardhat's chai matchers (reverted, emit, ...) are registered by the suites that use them, not by
// hardhat.config.ts: every process the tests start would load chai otherwise.
import "@nomicfoundation/hardhat-chai-matchers";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployEngineFixture } from "../helpers/engine-fixture";
import { BPS, DEFAULT_RATE_PER_SECOND, MAX_LTV_BPS, WAD } from "../../src/aegis/constants";

const E18 = WAD;

describe("AegisEngineV1 flows", () => {
  it("bootstraps 1:1, then prices deposits at the reserve ratio rounded up", async () => {
    const { engine, token0, actors } = await loadFixture(deployEngineFixture);
    const [alice, bob] = actors;
    await expect(engine.connect(alice).deposit(1000n * E18))
      .to.emit(engine, "Deposited")
      .withArgs(alice!.address, 1000n * E18, 1000n * E18, 1000n * E18, 1000n * E18);
    expect(await engine.totalSupply()).to.equal(1000n * E18);
    expect(await engine.liquidity()).to.equal(1000n * E18);

    const before = await token0.balanceOf(bob!.address);
    await engine.connect(bob).deposit(7n);
    // 7 L-units at a 1:1 ratio cost exactly 7 of each token; shares = 7 * T / E_L.
    expect(before - (await token0.balanceOf(bob!.address))).to.equal(7n);
    expect(await engine.balanceOf(bob!.address)).to.equal(7n);
  });

  it("withdraws the shares' claim on equity and refuses beyond the engine's liquidity", async () => {
    const { engine, token1, actors } = await loadFixture(deployEngineFixture);
    const [alice] = actors;
    await engine.connect(alice).deposit(500n * E18);
    const before = await token1.balanceOf(alice!.address);
    await expect(engine.connect(alice).withdraw(200n * E18)).to.emit(engine, "Withdrawn");
    expect((await token1.balanceOf(alice!.address)) - before).to.equal(200n * E18);
    expect(await engine.liquidity()).to.equal(300n * E18);
    await engine.connect(actors[1]).deposit(100n * E18);
    await engine.connect(actors[2]).depositCollateral(1000n * E18, 1000n * E18);
    // 120 of the 400 L-units leave as a loan: Alice's 300-share claim now exceeds the 280 left.
    await engine.connect(actors[2]).borrow(120n * E18);
    await expect(engine.connect(alice).withdraw(300n * E18)).to.be.revertedWithCustomError(
      engine,
      "InsufficientLiquidity",
    );
  });

  it("opens a vault on the first collateral deposit and measures its sqrt(K) floor", async () => {
    const { engine, actors } = await loadFixture(deployEngineFixture);
    const [, borrower] = actors;
    await expect(engine.connect(borrower).depositCollateral(400n * E18, 100n * E18))
      .to.emit(engine, "VaultOpened")
      .withArgs(borrower!.address);
    await engine.connect(borrower).depositCollateral(0n, 0n + 1n);
    expect(await engine.vaultCount()).to.equal(1n);
    // floor(sqrt(400e18 * (100e18 + 1))) = 200e18
    expect(await engine.collateralFloor(borrower!.address)).to.equal(200n * E18);
  });

  it("borrows r: L falls by r*M/WAD, B_L and b_v rise by r, and LTV above the max is refused", async () => {
    const { engine, actors } = await loadFixture(deployEngineFixture);
    const [lender, borrower] = actors;
    await engine.connect(lender).deposit(10_000n * E18);
    await engine.connect(borrower).depositCollateral(100n * E18, 100n * E18);
    await expect(engine.connect(borrower).borrow(99n * E18)).to.be.revertedWithCustomError(
      engine,
      "LtvTooHigh",
    );
    await engine.connect(borrower).borrow(90n * E18);
    const m = await engine.interestMultiplier();
    expect(await engine.borrowedL()).to.equal(90n * E18);
    expect((await engine.vaults(borrower!.address)).principal).to.equal(90n * E18);
    expect(await engine.liquidity()).to.equal(10_000n * E18 - (90n * E18 * m) / WAD);
    expect(await engine.ltvBps(borrower!.address)).to.be.lessThanOrEqual(MAX_LTV_BPS);
  });

  it("refuses a borrow or a withdrawal that would push utilization over the cap", async () => {
    const { engine, actors } = await loadFixture(deployEngineFixture);
    const [lender, borrower] = actors;
    await engine.connect(lender).deposit(100n * E18);
    await engine.connect(borrower).depositCollateral(1000n * E18, 1000n * E18);
    await expect(engine.connect(borrower).borrow(96n * E18)).to.be.revertedWithCustomError(
      engine,
      "UtilizationTooHigh",
    );
    await engine.connect(borrower).borrow(90n * E18);
    await expect(engine.connect(lender).withdraw(6n * E18)).to.be.revertedWithCustomError(
      engine,
      "UtilizationTooHigh",
    );
  });

  it("accrues simple interest into M and repays with interest, rounded up", async () => {
    const { engine, actors } = await loadFixture(deployEngineFixture);
    const [lender, borrower] = actors;
    await engine.connect(lender).deposit(1000n * E18);
    await engine.connect(borrower).depositCollateral(500n * E18, 500n * E18);
    await engine.connect(borrower).borrow(100n * E18);
    const since = await engine.lastAccrual();
    const multiplierThen = await engine.interestMultiplier();
    await time.increase(365 * 24 * 3600);
    await engine.accrue();
    const m = await engine.interestMultiplier();
    expect(m).to.equal(
      multiplierThen + DEFAULT_RATE_PER_SECOND * ((await engine.lastAccrual()) - since),
    );
    const priceBefore = await engine.sharePrice();
    expect(priceBefore).to.be.greaterThan(WAD);

    await expect(engine.connect(borrower).repay(101n * E18)).to.be.revertedWithCustomError(
      engine,
      "RepayExceedsPrincipal",
    );
    const liquidityBefore = await engine.liquidity();
    await engine.connect(borrower).repay(40n * E18);
    const mAtRepay = await engine.interestMultiplier();
    const expectedIn = (40n * E18 * mAtRepay + WAD - 1n) / WAD;
    expect((await engine.liquidity()) - liquidityBefore).to.equal(expectedIn);
    expect(await engine.sharePrice()).to.be.greaterThanOrEqual(priceBefore);
  });

  it("keeps collateral withdrawals within the max LTV", async () => {
    const { engine, token0, actors } = await loadFixture(deployEngineFixture);
    const [lender, borrower] = actors;
    await engine.connect(lender).deposit(1000n * E18);
    await engine.connect(borrower).depositCollateral(100n * E18, 100n * E18);
    await engine.connect(borrower).borrow(50n * E18);
    await expect(
      engine.connect(borrower).withdrawCollateral(50n * E18, 50n * E18),
    ).to.be.revertedWithCustomError(engine, "LtvTooHigh");
    const before = await token0.balanceOf(borrower!.address);
    await engine.connect(borrower).withdrawCollateral(40n * E18, 40n * E18);
    expect((await token0.balanceOf(borrower!.address)) - before).to.equal(40n * E18);
    expect(await engine.ltvBps(borrower!.address)).to.equal((50n * E18 * BPS) / (60n * E18));
  });

  it("blocks every mutator while paused, and only the pauser role pauses", async () => {
    const { engine, admin, actors } = await loadFixture(deployEngineFixture);
    const [lender, borrower, other] = actors;
    await engine.connect(lender).deposit(1000n * E18);
    await engine.connect(borrower).depositCollateral(100n * E18, 100n * E18);
    await engine.connect(borrower).borrow(10n * E18);
    await expect(engine.connect(other).pause()).to.be.revertedWithCustomError(
      engine,
      "AccessControlUnauthorizedAccount",
    );
    await engine.connect(admin).pause();
    const mutators = [
      () => engine.connect(lender).deposit(1n),
      () => engine.connect(lender).withdraw(1n),
      () => engine.connect(borrower).depositCollateral(1n, 1n),
      () => engine.connect(borrower).withdrawCollateral(1n, 1n),
      () => engine.connect(borrower).borrow(1n),
      () => engine.connect(borrower).repay(1n),
      () => engine.connect(other).accrue(),
      () => engine.connect(lender).transfer(other!.address, 1n),
      () => engine.connect(admin).setRatePerSecond(1n),
    ];
    for (const call of mutators) {
      await expect(call()).to.be.revertedWithCustomError(engine, "EnforcedPause");
    }
    await engine.connect(admin).unpause();
    const sharesBefore = await engine.balanceOf(lender!.address);
    await engine.connect(lender).deposit(10n * E18);
    expect(await engine.balanceOf(lender!.address)).to.be.greaterThan(sharesBefore);
  });
});
