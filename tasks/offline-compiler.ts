import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "./aegis-config";

/** The compiler version the toolkit ships: its npm `solc` dependency, pinned exactly. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SOLC_VERSION: string = require("solc/package.json").version;

/** The solc-js of a project's own `solc` package, else the toolkit's, if it is `version`. */
function solcJsOf(projectRoot: string, version: string) {
  for (const paths of [[projectRoot], [__dirname]]) {
    let packageJson: string;
    try {
      packageJson = require.resolve("solc/package.json", { paths });
    } catch {
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if ((require(packageJson) as { version: string }).version !== version) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require(require.resolve("solc", { paths })) as { version(): string };
    return { compilerPath: require.resolve("solc/soljson.js", { paths }), solc };
  }
  return undefined;
}

// Hardhat 2 downloads solc from the internet and fails offline (HH502). With
// `aegis.offlineCompiler`, the npm `solc` package (the project's own, else the one the toolkit
// depends on) compiles instead, as solc-js, for the version it ships; other versions are
// Hardhat's business as usual.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, hre, runSuper) => {
    if (!hre.config.aegis.offlineCompiler) return runSuper(args);
    const found = solcJsOf(hre.config.paths.root, args.solcVersion);
    if (found === undefined) return runSuper(args);
    return {
      compilerPath: found.compilerPath,
      isSolcJs: true,
      version: args.solcVersion,
      longVersion: found.solc.version(),
    };
  },
);
