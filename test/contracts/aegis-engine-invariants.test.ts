// Hardhat's chai matchers (reverted, emit, ...) are registered by the suites that use them, not by
// hardhat.config.ts: every process the tests start would load chai otherwise.
import "@nomicfoundation/hardhat-chai-matchers";
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployEngineFixture, type EngineFixture } from "../helpers/engine-fixture";
import { randomBigInt, seededRandom } from "../helpers/random";
import { readBook } from "../../src/aegis/book";
import { checkBook } from "../../src/aegis/invariants";
import { BPS, WAD } from "../../src/aegis/constants";
import { isqrt } from "../../src/aegis/math";

const SEED = 20261126;
const OPERATIONS = 300;
/** Borrows and collateral withdrawals aim at most this LTV, so accrual over the run's few weeks
 * of chain time cannot push a vault over the 9,800 bps maximum (the model has no liquidations). */
const TARGET_MAX_LTV_BPS = 9_500n;
/** Refusals the engine is allowed to answer a random operation with. */
const EXPECTED_REFUSALS = [
  "ZeroAmount",
  "UtilizationTooHigh",
  "InsufficientLiquidity",
  "LtvTooHigh",
  "ERC20InsufficientBalance",
];

async function runRandomOperation(fixture: EngineFixture, random: () => number): Promise<string> {
  const { engine, actors } = fixture;
  const lenders = actors.slice(0, 4);
  const borrowers = actors.slice(4, 8);
  const lender = lenders[Math.floor(random() * lenders.length)]!;
  const borrower = borrowers[Math.floor(random() * borrowers.length)]!;
  const choice = Math.floor(random() * 9);
  const m = await engine.interestMultiplier();
  const vault = await engine.vaults(borrower.address);
  const floor = isqrt(vault.idle0 * vault.idle1);
  const debt = (vault.principal * m) / WAD;
  switch (choice) {
    case 0:
      await engine.connect(lender).deposit(randomBigInt(random, 1n, 10_000n * WAD));
      return "deposit";
    case 1: {
      const shares = await engine.balanceOf(lender.address);
      await engine.connect(lender).withdraw((shares * randomBigInt(random, 0n, 100n)) / 100n);
      return "withdraw";
    }
    case 2:
      await engine
        .connect(borrower)
        .depositCollateral(
          randomBigInt(random, 0n, 5_000n * WAD),
          randomBigInt(random, 1n, 5_000n * WAD),
        );
      return "depositCollateral";
    case 3: {
      const targetBps = randomBigInt(random, 0n, TARGET_MAX_LTV_BPS);
      const targetDebt = (floor * targetBps) / BPS;
      const r = targetDebt > debt ? ((targetDebt - debt) * WAD) / m : 1n;
      await engine.connect(borrower).borrow(r);
      return "borrow";
    }
    case 4: {
      // Deliberately over the limit: must be refused, never booked.
      const r = floor === 0n ? WAD : (((floor * 9_900n) / BPS) * WAD) / m + 1n;
      await expect(engine.connect(borrower).borrow(r)).to.be.reverted;
      return "borrowOverLimit";
    }
    case 5: {
      if (vault.principal === 0n) return "noop";
      await engine.connect(borrower).repay(randomBigInt(random, 1n, vault.principal));
      return "repay";
    }
    case 6: {
      // Keep the floor high enough that the debt stays under the target LTV.
      const neededFloor = (debt * BPS) / TARGET_MAX_LTV_BPS + 1n;
      if (floor <= neededFloor) return "noop";
      const keepPercent = (neededFloor * 100n) / floor + 1n;
      const fraction = randomBigInt(random, 0n, 100n - keepPercent);
      await engine
        .connect(borrower)
        .withdrawCollateral((vault.idle0 * fraction) / 100n, (vault.idle1 * fraction) / 100n);
      return "withdrawCollateral";
    }
    case 7: {
      const to = lenders[Math.floor(random() * lenders.length)]!;
      const shares = await engine.balanceOf(lender.address);
      await engine.connect(lender).transfer(to.address, shares / 3n);
      return "transfer";
    }
    default:
      await time.increase(Math.floor(random() * 24 * 3600) + 1);
      await engine.accrue();
      return "accrue";
  }
}

describe("AegisEngineV1 invariants under a seeded random sequence", () => {
  it(`holds every invariant after ${OPERATIONS} operations (seed ${SEED})`, async () => {
    const fixture = await loadFixture(deployEngineFixture);
    const { engine, token0, token1, proxy } = fixture;
    const random = seededRandom(SEED);
    const location = {
      proxy,
      token0: await token0.getAddress(),
      token1: await token1.getAddress(),
      fromBlock: 0,
    };
    await engine.connect(fixture.actors[0]).deposit(50_000n * WAD);
    const done = new Map<string, number>();
    let refused = 0;
    let lastPrice = await engine.sharePrice();
    for (let index = 1; index <= OPERATIONS; index++) {
      try {
        const name = await runRandomOperation(fixture, random);
        done.set(name, (done.get(name) ?? 0) + 1);
      } catch (error) {
        const message = String((error as Error).message);
        expect(
          EXPECTED_REFUSALS.some((name) => message.includes(name)),
          message,
        ).to.equal(true);
        refused += 1;
      }
      const price = await engine.sharePrice();
      expect(price, `share price fell at operation ${index}`).to.be.greaterThanOrEqual(lastPrice);
      lastPrice = price;
      if (index % 50 === 0) {
        const failing = checkBook(await readBook(hre.ethers.provider, location)).filter(
          (r) => !r.holds,
        );
        expect(
          failing.map((r) => r.violation),
          `after operation ${index}`,
        ).to.deep.equal([]);
      }
    }
    // The sequence must actually have exercised every flow, not only been refused.
    for (const flow of [
      "deposit",
      "withdraw",
      "depositCollateral",
      "borrow",
      "borrowOverLimit",
      "repay",
      "withdrawCollateral",
      "transfer",
      "accrue",
    ]) {
      expect(done.get(flow) ?? 0, `successful ${flow} operations`).to.be.greaterThan(3);
    }
    expect(refused).to.be.lessThan(OPERATIONS / 3);
    const book = await readBook(hre.ethers.provider, location);
    expect(Object.keys(book.vaults)).to.have.length(4);
    expect(book.borrowedL).to.be.greaterThan(0n);
  });
});
