import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** The flag of every task that builds the contracts before it reads their artifacts. */
export const NO_COMPILE_FLAG = {
  name: "noCompile",
  description:
    "use the artifacts as they are, without compiling first (as `hardhat test --no-compile`)",
} as const;

/**
 * Compiles the contracts, as `hardhat run` does before a script: a task must never deploy or
 * compare artifacts older than the sources. Up to date, this still resolves every import of the
 * project (about half a CPU-second), which a pipeline that compiled in an earlier step skips with
 * `--no-compile`.
 */
export async function compileFirst(
  hre: HardhatRuntimeEnvironment,
  args: { noCompile?: boolean },
): Promise<void> {
  if (args.noCompile !== true) await hre.run(TASK_COMPILE, { quiet: true });
}
