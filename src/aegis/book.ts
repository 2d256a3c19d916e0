/**
 * The AEGIS book read from a chain at one pinned block: every total the invariants need, every
 * lender's share balance and every vault. Lenders and vaults are enumerated from the engine's own
 * events (share transfers and VaultOpened), so nothing outside the chain is trusted.
 */
import { ethers, type Provider } from "ethers";
import { AegisEngineV1__factory, MockToken__factory } from "../../typechain-types";

/** One vault as stored, with the contract's own views of its floor and LTV. */
export interface VaultState {
  idle0: bigint;
  idle1: bigint;
  principal: bigint;
  floorView: bigint;
  ltvBpsView: bigint;
}

/** The book at one block. */
export interface BookState {
  block: number;
  liquidity: bigint;
  borrowedL: bigint;
  multiplier: bigint;
  totalSupply: bigint;
  equityView: bigint;
  sharePriceView: bigint;
  utilizationBpsView: bigint;
  reserve0: bigint;
  reserve1: bigint;
  balance0: bigint;
  balance1: bigint;
  /** Share balance of every address that ever held shares. */
  lenders: Record<string, bigint>;
  vaults: Record<string, VaultState>;
}

/** Where the engine is and from which block its events are worth reading. */
export interface BookLocation {
  proxy: string;
  token0: string;
  token1: string;
  fromBlock: number;
}

/** Reads the whole book at `block` (default: the latest block, pinned once). */
export async function readBook(
  provider: Provider,
  location: BookLocation,
  block?: number,
): Promise<BookState> {
  const blockTag = block ?? (await provider.getBlockNumber());
  const engine = AegisEngineV1__factory.connect(location.proxy, provider);
  const at = { blockTag };
  const [transfers, openings] = await Promise.all([
    engine.queryFilter(engine.filters.Transfer(), location.fromBlock, blockTag),
    engine.queryFilter(engine.filters.VaultOpened(), location.fromBlock, blockTag),
  ]);
  const lenderAddresses = [
    ...new Set(transfers.map((event) => event.args.to).filter((to) => to !== ethers.ZeroAddress)),
  ];
  const vaultAddresses = [...new Set(openings.map((event) => event.args.vault))];
  const token0 = MockToken__factory.connect(location.token0, provider);
  const token1 = MockToken__factory.connect(location.token1, provider);

  const [totals, reserve0, reserve1, utilizationBpsView, balance0, balance1] = await Promise.all([
    engine.totals(at),
    engine.reserve0(at),
    engine.reserve1(at),
    engine.utilizationBps(at),
    token0.balanceOf(location.proxy, at),
    token1.balanceOf(location.proxy, at),
  ]);
  const lenderBalances = await Promise.all(
    lenderAddresses.map((lender) => engine.balanceOf(lender, at)),
  );
  const vaultStates = await Promise.all(
    vaultAddresses.map(async (vault): Promise<VaultState> => {
      const [stored, floorView, ltvBpsView] = await Promise.all([
        engine.vaults(vault, at),
        engine.collateralFloor(vault, at),
        engine.ltvBps(vault, at),
      ]);
      return {
        idle0: stored.idle0,
        idle1: stored.idle1,
        principal: stored.principal,
        floorView,
        ltvBpsView,
      };
    }),
  );
  return {
    block: blockTag,
    liquidity: totals.l,
    borrowedL: totals.bL,
    multiplier: totals.m,
    totalSupply: totals.t,
    equityView: totals.e,
    sharePriceView: totals.price,
    utilizationBpsView,
    reserve0,
    reserve1,
    balance0,
    balance1,
    lenders: Object.fromEntries(
      lenderAddresses.map((lender, i) => [lender, lenderBalances[i] as bigint]),
    ),
    vaults: Object.fromEntries(
      vaultAddresses.map((vault, i) => [vault, vaultStates[i] as VaultState]),
    ),
  };
}
