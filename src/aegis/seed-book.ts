/**
 * Seeds a realistic lender book on a development chain: several lenders, several borrowers whose
 * vaults sit near (but under) the LTV limit, accrued interest, a repayment and a withdrawal. The
 * figures are fixed so that every seeded chain holds the same book.
 */
import { ethers, type Signer } from "ethers";
import { AegisEngineV1__factory, MockToken__factory } from "../../typechain-types";
import type { DeploymentRecord } from "../evm/chain/deployment-record";
import { SeedUnavailableError } from "../evm/errors";
import { BPS, WAD } from "./constants";

const LENDER_DEPOSITS_L = [100_000n, 250_000n, 50_000n, 400_000n, 75_000n].map((n) => n * WAD);
/** Each borrower's collateral floor (idle0 = idle1 = floor) and the LTV it borrows to. */
const BORROWERS = [
  { floor: 100_000n * WAD, ltvBps: 9_400n },
  { floor: 60_000n * WAD, ltvBps: 9_000n },
  { floor: 200_000n * WAD, ltvBps: 8_000n },
  { floor: 30_000n * WAD, ltvBps: 6_000n },
];
const MINT_PER_ACCOUNT = 10_000_000n * WAD;
const ACCRUAL_SECONDS = 30 * 24 * 3600;

/** What seeding needs: unlocked accounts and a way to move the chain's clock. */
export interface SeedBookParams {
  record: DeploymentRecord;
  networkName: string;
  /** Unlocked accounts of the development node; the first is not used as a lender or borrower. */
  accounts: Signer[];
  /** Moves the chain's clock forward and mines a block (evm_increaseTime + evm_mine). */
  advanceTime(seconds: number): Promise<void>;
}

/** Who was seeded: the lenders' and borrowers' addresses. */
export interface SeededBook {
  lenders: string[];
  borrowers: string[];
}

/** The number of unlocked accounts seeding needs. */
export const SEED_ACCOUNTS_NEEDED = 1 + LENDER_DEPOSITS_L.length + BORROWERS.length;

/** Seeds the book described above; throws AEGIS-E311 when there are too few accounts. */
export async function seedBook(params: SeedBookParams): Promise<SeededBook> {
  if (params.accounts.length < SEED_ACCOUNTS_NEEDED) {
    throw new SeedUnavailableError(
      params.networkName,
      `it needs ${SEED_ACCOUNTS_NEEDED} unlocked accounts and the node offers ${params.accounts.length}`,
    );
  }
  const lenders = params.accounts.slice(1, 1 + LENDER_DEPOSITS_L.length);
  const borrowers = params.accounts.slice(1 + LENDER_DEPOSITS_L.length, SEED_ACCOUNTS_NEEDED);
  const participants = [...lenders, ...borrowers];

  // Funding is independent per account, so send every account's transactions concurrently.
  await Promise.all(participants.map((account) => fund(params.record, account)));

  for (const [index, lender] of lenders.entries()) {
    const engine = AegisEngineV1__factory.connect(params.record.proxy, lender);
    await (await engine.deposit(LENDER_DEPOSITS_L[index] as bigint)).wait();
  }
  for (const [index, borrower] of borrowers.entries()) {
    const { floor, ltvBps } = BORROWERS[index] as (typeof BORROWERS)[number];
    const engine = AegisEngineV1__factory.connect(params.record.proxy, borrower);
    await (await engine.depositCollateral(floor, floor)).wait();
    const multiplier = await engine.interestMultiplier();
    await (await engine.borrow((floor * ltvBps * WAD) / BPS / multiplier)).wait();
  }

  await params.advanceTime(ACCRUAL_SECONDS);
  // After the accrual, one partial repayment and one partial withdrawal, so that the book
  // holds interest-bearing history and not only fresh positions.
  const repayer = borrowers[borrowers.length - 1] as Signer;
  const repayerEngine = AegisEngineV1__factory.connect(params.record.proxy, repayer);
  const { principal } = await repayerEngine.vaults(await repayer.getAddress());
  await (await repayerEngine.repay(principal / 2n)).wait();
  const withdrawer = lenders[0] as Signer;
  const withdrawerEngine = AegisEngineV1__factory.connect(params.record.proxy, withdrawer);
  const shares = await withdrawerEngine.balanceOf(await withdrawer.getAddress());
  await (await withdrawerEngine.withdraw(shares / 4n)).wait();

  return {
    lenders: await Promise.all(lenders.map((signer) => signer.getAddress())),
    borrowers: await Promise.all(borrowers.map((signer) => signer.getAddress())),
  };
}

async function fund(record: DeploymentRecord, account: Signer): Promise<void> {
  const address = await account.getAddress();
  for (const token of Object.values(record.tokens)) {
    const contract = MockToken__factory.connect(token, account);
    await (await contract.mint(address, MINT_PER_ACCOUNT)).wait();
    await (await contract.approve(record.proxy, ethers.MaxUint256)).wait();
  }
}
