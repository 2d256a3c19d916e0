import path from "node:path";
import fs from "node:fs";
import { subtask } from "hardhat/config";
import { TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";

function findTestFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTestFiles(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

// Only `*.test.ts` files are suites: fixtures and child-process scripts live beside them in test/
// and must not be loaded by mocha (Hardhat's default loads every .ts file under test/).
subtask(TASK_TEST_GET_TEST_FILES).setAction(
  async ({ testFiles }: { testFiles: string[] }, { config }) => {
    if (testFiles.length > 0) return testFiles.map((file) => path.resolve(process.cwd(), file));
    return findTestFiles(config.paths.tests).sort();
  },
);
