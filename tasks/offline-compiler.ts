import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";

/** The compiler version the project builds with: the installed npm `solc` package, pinned exactly. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SOLC_VERSION: string = require("solc/package.json").version;

// Hardhat 2 downloads solc from the internet and fails offline (HH502). The npm `solc` package
// ships the same compiler as soljson.js, so hand Hardhat that build for our pinned version.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, _hre, runSuper) => {
    if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require("solc") as { version(): string };
    return {
      compilerPath: require.resolve("solc/soljson.js"),
      isSolcJs: true,
      version: args.solcVersion,
      longVersion: solc.version(),
    };
  },
);
