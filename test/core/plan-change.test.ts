import * as fs from "node:fs";

import { expect } from "chai";

import { abandonRun } from "../../src/core/abandon-run";
import { ERROR_CODES } from "../../src/core/error-codes";
import type { PlanHashMismatchError } from "../../src/core/errors";
import type { Plan, Step } from "../../src/core/plan-types";
import { resumeRun } from "../../src/core/resume-run";
import { rollbackRun } from "../../src/core/rollback-run";
import { runPlan } from "../../src/core/run-plan";
import { journalFileOf } from "../../src/core/run-paths";
import { catchAsync } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

const OLD_HASH = `0x${"3f9a".repeat(16)}`;
const NEW_HASH = `0x${"77ab".repeat(16)}`;

interface Input {
  proxy: string;
  amount: bigint;
  to: { contract: string; creationBytecodeHash: string };
  expectedStorageChanges: string[];
  rpc: { url: string; apiKey: string };
}

function input(overrides: Partial<Input> = {}): Input {
  return {
    proxy: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    amount: 1n,
    to: { contract: "AegisEngineV2", creationBytecodeHash: OLD_HASH },
    expectedStorageChanges: ["a"],
    rpc: { url: "http://127.0.0.1:8545", apiKey: "first-key" },
    ...overrides,
  };
}

const waiting: Step = {
  id: "wait",
  phase: "execute",
  changesTarget: true,
  undo: "reversible",
  run: (ctx) => ctx.wait({ reason: "blocks to come" }),
  rollback: () => undefined,
};

function plan(hashInput: unknown, steps: Step[] = [waiting]): Plan {
  return { id: "change", hashInput, steps };
}

describe("a plan that changed since its run started (AEGIS-E105)", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("names each changed field of the hash input with its old and new value, long values shortened", async () => {
    const first = await runPlan({ plan: plan(input()), baseDir: dir });
    expect(first.status).to.equal("waiting");
    const changed = input({
      amount: 2n,
      to: { contract: "AegisEngineV2", creationBytecodeHash: NEW_HASH },
      expectedStorageChanges: ["a", "b"],
    });
    const error = (await catchAsync(
      resumeRun({ plan: plan(changed), baseDir: dir, runId: first.runId }),
    )) as PlanHashMismatchError;
    expect(error.code).to.equal(ERROR_CODES.PLAN_HASH_MISMATCH);
    expect(error.changes).to.deep.equal([
      { path: "hashInput.amount", before: "1n", after: "2n" },
      { path: "hashInput.expectedStorageChanges[1]", after: '"b"' },
      {
        path: "hashInput.to.creationBytecodeHash",
        before: '"0x3f9a3f9a3f9a3f9a3f9a3f9a3f9…f9a3f9a3f9a"',
        after: '"0x77ab77ab77ab77ab77ab77ab77a…7ab77ab77ab"',
      },
    ]);
    expect(error.message).to.contain("hashInput.amount changed from 1n to 2n");
    expect(error.message).to.contain('hashInput.expectedStorageChanges[1] added ("b")');
    expect(error.message).to.contain(
      'hashInput.to.creationBytecodeHash changed from "0x3f9a3f9a3f9a3f9a3f9a3f9a3f9…f9a3f9a3f9a"',
    );
    expect(error.message, "one line").to.not.contain("\n");
  });

  it("names the steps that were added, removed or reshaped, for a rollback too", async () => {
    const check: Step = { id: "check", phase: "assess", changesTarget: false, run: () => 1 };
    const first = await runPlan({ plan: plan(input(), [check, waiting]), baseDir: dir });
    const reshaped: Step = {
      ...check,
      phase: "prepare",
      verify: () => ({ verdict: "go", figures: {} }),
    };
    const extra: Step = { id: "extra", phase: "validate", changesTarget: false, run: () => 2 };
    const error = (await catchAsync(
      rollbackRun({ plan: plan(input(), [reshaped, extra]), baseDir: dir, runId: first.runId }),
    )) as PlanHashMismatchError;
    expect(error.code).to.equal(ERROR_CODES.PLAN_HASH_MISMATCH);
    expect(error.changes).to.deep.equal([
      { path: "steps.check.phase", before: '"assess"', after: '"prepare"' },
      { path: "steps.check.verifies", before: "false", after: "true" },
      { path: "steps.wait", before: "execute step" },
      { path: "steps.extra", after: "validate step" },
    ]);
    expect(error.message).to.contain("steps.wait removed (was execute step)");
  });

  it("compares secrets as the journal keeps them: a changed secret alone is a redacted difference", async () => {
    const first = await runPlan({ plan: plan(input()), baseDir: dir });
    const secret = input({ rpc: { url: "http://127.0.0.1:8545", apiKey: "second-key" } });
    const error = (await catchAsync(
      abandonRun({ plan: plan(secret), baseDir: dir, runId: first.runId, reason: "test" }),
    )) as PlanHashMismatchError;
    expect(error.code).to.equal(ERROR_CODES.PLAN_HASH_MISMATCH);
    expect(error.changes).to.deep.equal([]);
    expect(error.message).to.contain("redacted");
    expect(error.message).to.not.contain("second-key");
  });

  it("falls back to the two hashes for a journal written before RUN_STARTED kept the hash input", async () => {
    const first = await runPlan({ plan: plan(input()), baseDir: dir });
    const file = journalFileOf(first.runDir);
    const [head, ...rest] = fs.readFileSync(file, "utf8").split("\n");
    const { hashInput: _dropped, ...older } = JSON.parse(head as string) as Record<string, unknown>;
    fs.writeFileSync(file, [JSON.stringify(older), ...rest].join("\n"));
    const error = (await catchAsync(
      resumeRun({ plan: plan(input({ amount: 2n })), baseDir: dir, runId: first.runId }),
    )) as PlanHashMismatchError;
    expect(error.code).to.equal(ERROR_CODES.PLAN_HASH_MISMATCH);
    expect(error.changes).to.equal(undefined);
    expect(error.message).to.contain(first.state.planHash);
    expect(error.message).to.contain(error.planHash);
  });
});
