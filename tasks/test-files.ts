import path from "node:path";
import fs from "node:fs";
import { subtask } from "hardhat/config";
import { TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";

/**
 * Test files (by path prefix) that take longest, slowest first. `npm test` hands files to its
 * parallel workers in this order, so the long real-process suites start at once instead of last,
 * when one worker would be left running them alone. Other files follow, alphabetically.
 */
const SLOWEST_FIRST = [
  "test/e2e/aegis-interrupt-",
  "test/e2e/readme-first-run",
  "test/e2e/aegis-rehearse",
  "test/e2e/plugin-project",
  "test/e2e/aegis-recovery-model-",
  "test/e2e/aegis-upgrade-",
  "test/evm/chain/authority-chain",
  "test/e2e/",
  "test/integration/",
  "test/sql/",
  "test/api/",
  "test/core/crash-resume-",
  "test/contracts/",
  "test/evm/",
  "test/core/",
];

function findTestFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTestFiles(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

function slownessRank(root: string, file: string): number {
  const relative = path.relative(root, file).split(path.sep).join("/");
  const rank = SLOWEST_FIRST.findIndex((prefix) => relative.startsWith(prefix));
  return rank === -1 ? SLOWEST_FIRST.length : rank;
}

// Only `*.test.ts` files are suites: fixtures and child-process scripts live beside them in test/
// and must not be loaded by mocha (Hardhat's default loads every .ts file under test/).
subtask(TASK_TEST_GET_TEST_FILES).setAction(
  async ({ testFiles }: { testFiles: string[] }, { config }) => {
    if (testFiles.length > 0) return testFiles.map((file) => path.resolve(process.cwd(), file));
    const root = config.paths.root;
    return findTestFiles(config.paths.tests)
      .sort()
      .sort((a, b) => slownessRank(root, a) - slownessRank(root, b));
  },
);
