/**
 * The L-unit and collateral-floor invariants of AEGIS.md, as data: each returns whether it holds
 * and the figures it compared, recomputed from raw stored values rather than trusted from views.
 * Pure functions of BookState, so the checklist, the tests and the rehearsal share them.
 */
import { BPS, MAX_LTV_BPS, UTILIZATION_CAP_BPS, WAD } from "./constants";
import type { BookState } from "./book";
import { isqrt, mulDiv } from "./math";
import type { InvariantResult } from "../evm/upgrade/upgrade-preset";

export type { InvariantResult };

/** An invariant of one state of the book. */
export interface BookInvariant {
  id: string;
  statement: string;
  check(book: BookState): InvariantResult;
}

/** An invariant relating the book before and after a change (the upgrade). */
export interface BookComparison {
  id: string;
  statement: string;
  compare(before: BookState, after: BookState): InvariantResult;
}

/** E_L recomputed from stored L, B_L and M. */
export function equityOf(book: BookState): bigint {
  return book.liquidity + mulDiv(book.borrowedL, book.multiplier, WAD);
}

/** Share price recomputed from stored state: E_L * WAD / T (WAD before the first deposit). */
export function sharePriceOf(book: BookState): bigint {
  return book.totalSupply === 0n ? WAD : mulDiv(equityOf(book), WAD, book.totalSupply);
}

/** LTV of a vault in basis points, as the contract computes it. */
export function ltvBpsOf(
  book: BookState,
  vault: { idle0: bigint; idle1: bigint; principal: bigint },
) {
  if (vault.principal === 0n) return 0n;
  const floor = isqrt(vault.idle0 * vault.idle1);
  if (floor === 0n) return 2n ** 256n - 1n;
  return (mulDiv(vault.principal, book.multiplier, WAD) * BPS) / floor;
}

function result(
  invariant: { id: string; statement: string },
  holds: boolean,
  figures: InvariantResult["figures"],
  violation: string,
): InvariantResult {
  return holds
    ? { id: invariant.id, statement: invariant.statement, holds, figures }
    : { id: invariant.id, statement: invariant.statement, holds, figures, violation };
}

const equity: BookInvariant = {
  id: "LU-1",
  statement: "E_L == L + B_L * M / WAD, recomputed from storage, equals the contract's view",
  check(book) {
    const recomputed = equityOf(book);
    return result(
      this,
      recomputed === book.equityView,
      { recomputed, view: book.equityView },
      `E_L recomputed ${recomputed} != view ${book.equityView}`,
    );
  },
};

const shares: BookInvariant = {
  id: "LU-2",
  statement: "the sum of all lenders' share balances equals T",
  check(book) {
    const sum = Object.values(book.lenders).reduce((a, b) => a + b, 0n);
    return result(
      this,
      sum === book.totalSupply,
      {
        sumOfBalances: sum,
        totalSupply: book.totalSupply,
        lenders: Object.keys(book.lenders).length,
      },
      `sum of ${Object.keys(book.lenders).length} balances ${sum} != T ${book.totalSupply}`,
    );
  },
};

const utilization: BookInvariant = {
  id: "LU-4",
  statement: "utilization <= UTILIZATION_CAP_BPS",
  check(book) {
    const equityL = equityOf(book);
    const bps =
      equityL === 0n ? 0n : (mulDiv(book.borrowedL, book.multiplier, WAD) * BPS) / equityL;
    return result(
      this,
      bps <= UTILIZATION_CAP_BPS && bps === book.utilizationBpsView,
      { utilizationBps: bps, view: book.utilizationBpsView, capBps: UTILIZATION_CAP_BPS },
      `utilization ${bps} bps (view ${book.utilizationBpsView}) against a cap of ${UTILIZATION_CAP_BPS}`,
    );
  },
};

const backing: BookInvariant = {
  id: "LU-5",
  statement: "the engine's token balances back L: floor(sqrt(x*y)) >= L",
  check(book) {
    const idle0 = Object.values(book.vaults).reduce((a, v) => a + v.idle0, 0n);
    const idle1 = Object.values(book.vaults).reduce((a, v) => a + v.idle1, 0n);
    const backed = isqrt(book.reserve0 * book.reserve1);
    const holds =
      backed >= book.liquidity &&
      book.balance0 >= book.reserve0 + idle0 &&
      book.balance1 >= book.reserve1 + idle1;
    return result(
      this,
      holds,
      {
        sqrtReserves: backed,
        liquidity: book.liquidity,
        balance0: book.balance0,
        balance1: book.balance1,
        reserve0: book.reserve0,
        reserve1: book.reserve1,
        collateral0: idle0,
        collateral1: idle1,
      },
      `sqrt(x*y) ${backed} vs L ${book.liquidity}; balances ${book.balance0}/${book.balance1} vs reserves plus collateral ${book.reserve0 + idle0}/${book.reserve1 + idle1}`,
    );
  },
};

const solvency: BookInvariant = {
  id: "CF-1",
  statement: "for every vault, LTV(v) <= MAX_LTV_BPS",
  check(book) {
    let worst = 0n;
    let worstVault = "";
    for (const [address, vault] of Object.entries(book.vaults)) {
      const ltv = ltvBpsOf(book, vault);
      if (ltv > worst || worstVault === "") [worst, worstVault] = [ltv, address];
    }
    return result(
      this,
      worst <= MAX_LTV_BPS,
      {
        vaults: Object.keys(book.vaults).length,
        worstLtvBps: worst,
        worstVault,
        maxLtvBps: MAX_LTV_BPS,
      },
      `vault ${worstVault} has LTV ${worst} bps, over ${MAX_LTV_BPS}`,
    );
  },
};

const principalSum: BookInvariant = {
  id: "CF-2/sum",
  statement: "the sum of every vault's principal b_v equals B_L",
  check(book) {
    const sum = Object.values(book.vaults).reduce((a, v) => a + v.principal, 0n);
    return result(
      this,
      sum === book.borrowedL,
      { sumOfPrincipals: sum, borrowedL: book.borrowedL },
      `sum of principals ${sum} != B_L ${book.borrowedL}`,
    );
  },
};

const priceKept: BookComparison = {
  id: "LU-3",
  statement: "the share price after equals the price before (stored state, same accrual point)",
  compare(before, after) {
    const priceBefore = sharePriceOf(before);
    const priceAfter = sharePriceOf(after);
    return result(
      this,
      priceBefore === priceAfter,
      { sharePrice: { before: priceBefore, after: priceAfter } },
      `share price ${priceBefore} -> ${priceAfter} (must not change)`,
    );
  },
};

const floorsKept: BookComparison = {
  id: "CF-2",
  statement: "every vault's C_min and b_v are unchanged by the upgrade",
  compare(before, after) {
    const changed = Object.entries(before.vaults)
      .filter(([address, vault]) => {
        const next = after.vaults[address];
        return (
          next === undefined ||
          next.principal !== vault.principal ||
          isqrt(next.idle0 * next.idle1) !== isqrt(vault.idle0 * vault.idle1)
        );
      })
      .map(([address]) => address);
    return result(
      this,
      changed.length === 0,
      { vaults: Object.keys(before.vaults).length, changed: changed.join(",") },
      `${changed.length} vault(s) changed floor or principal: ${changed.join(", ")}`,
    );
  },
};

/** Invariants of one state, in the order AEGIS.md lists them. */
export const BOOK_INVARIANTS: readonly BookInvariant[] = [
  equity,
  shares,
  utilization,
  backing,
  solvency,
  principalSum,
];
/** Invariants relating the state before and after the upgrade. */
export const BOOK_COMPARISONS: readonly BookComparison[] = [priceKept, floorsKept];

/** Runs every single-state invariant on a book. */
export function checkBook(book: BookState): InvariantResult[] {
  return BOOK_INVARIANTS.map((invariant) => invariant.check(book));
}

/** Runs every single-state invariant on `after` and every comparison between the two. */
export function compareBooks(before: BookState, after: BookState): InvariantResult[] {
  return [...checkBook(after), ...BOOK_COMPARISONS.map((c) => c.compare(before, after))];
}
