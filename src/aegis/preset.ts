/** The AEGIS preset of the upgrade checklist: pause, book reads and the L-unit/floor invariants. */
import type { Provider } from "ethers";
import { AegisEngineV1__factory } from "../../typechain-types";
import type { DeploymentRecord } from "../evm/chain/deployment-record";
import type { UpgradePreset } from "../evm/upgrade/upgrade-preset";
import { readBook, type BookState } from "./book";
import { checkBook, compareBooks } from "./invariants";
import { AEGIS_CONFIGURED_KEYS, AEGIS_KEY_SOURCES } from "./snapshot-keys";

const engineInterface = AegisEngineV1__factory.createInterface();

/** The AEGIS engine's part of the checklist. */
export const aegisPreset: UpgradePreset<BookState> = {
  name: "aegis",
  pauseData: engineInterface.encodeFunctionData("pause"),
  unpauseData: engineInterface.encodeFunctionData("unpause"),
  async isPaused(provider: Provider, proxy: string, blockTag?: number) {
    return AegisEngineV1__factory.connect(proxy, provider).paused({ blockTag });
  },
  readState(provider: Provider, record: DeploymentRecord, blockTag: number) {
    return readBook(
      provider,
      {
        proxy: record.proxy,
        token0: record.tokens.token0 as string,
        token1: record.tokens.token1 as string,
        fromBlock: record.deployedAt.block,
      },
      blockTag,
    );
  },
  checkState: checkBook,
  compareStates: compareBooks,
  snapshotKeys: { keySources: AEGIS_KEY_SOURCES, mappingKeys: AEGIS_CONFIGURED_KEYS },
};
