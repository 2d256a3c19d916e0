import * as path from "node:path";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { resumeRun } from "../../src/core/resume-run";
import { rollbackRun } from "../../src/core/rollback-run";
import { runPlan } from "../../src/core/run-plan";
import { findStep } from "../../src/core/run-state";
import { fileMigrationStore, sqlMigrationPlan, type Migration } from "./fixtures/example-sql-plan";
import { catchAsync } from "./helpers/catch-error";
import { makeTempDir, removeTempDir } from "./helpers/temp-dir";

const MIGRATIONS: Migration[] = [
  { name: "001-add-email", checksum: "a1".repeat(32), up: "alter table ...", down: "alter ..." },
  { name: "002-index-email", checksum: "b2".repeat(32), up: "create index ...", down: "drop ..." },
];

describe("the SQL plan of ENGINE.md", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeTempDir(dir));

  it("applies the migrations in order and checks its figure", async () => {
    const { store, applies } = fileMigrationStore(path.join(dir, "db.json"));
    const result = await runPlan({
      plan: sqlMigrationPlan("app", store, MIGRATIONS),
      baseDir: dir,
    });
    expect(result.status).to.equal("completed");
    expect(applies()).to.deep.equal(["up 001-add-email", "up 002-index-email"]);
    expect(findStep(result.state, "users-kept")?.verification?.figures).to.deep.equal({
      users: { before: 3n, after: 3n },
    });
  });

  it("after a connection lost around a commit, asks the migrations table instead of applying twice", async () => {
    const { store, control, applies } = fileMigrationStore(path.join(dir, "db.json"));
    const plan = sqlMigrationPlan("app", store, MIGRATIONS);
    control.dropConnectionAfterCommit = true;
    const first = await runPlan({ plan, baseDir: dir, autoRollback: false });
    expect(first.status).to.equal("failed");
    const resumed = await resumeRun({ plan, baseDir: dir, runId: first.runId });
    expect(resumed.status).to.equal("completed");
    expect(applies()).to.deep.equal(["up 001-add-email", "up 002-index-email"]);
    const effect = findStep(resumed.state, "migrate-001-add-email")?.effects[0];
    expect(effect?.resolvedBy).to.equal("reconcile");
  });

  it("rolls back in reverse on request", async () => {
    const { store, applies } = fileMigrationStore(path.join(dir, "db.json"));
    const plan = sqlMigrationPlan("app", store, MIGRATIONS);
    const done = await runPlan({ plan, baseDir: dir });
    const rolledBack = await rollbackRun({ plan, baseDir: dir, runId: done.runId });
    expect(rolledBack.status).to.equal("rolled-back");
    expect(applies().slice(2)).to.deep.equal(["down 002-index-email", "down 001-add-email"]);
  });

  it("refuses to resume with other migrations, naming what changed (AEGIS-E105)", async () => {
    const { store, control } = fileMigrationStore(path.join(dir, "db.json"));
    control.dropConnectionAfterCommit = true;
    const failed = await runPlan({
      plan: sqlMigrationPlan("app", store, MIGRATIONS),
      baseDir: dir,
      autoRollback: false,
    });
    const fewer = sqlMigrationPlan("app", store, MIGRATIONS.slice(0, 1));
    const error = await catchAsync(resumeRun({ plan: fewer, baseDir: dir, runId: failed.runId }));
    expect(error?.code).to.equal(ERROR_CODES.PLAN_HASH_MISMATCH);
    expect(error?.message).to.contain("hashInput.migrations[1] removed");
    expect(error?.message).to.contain("steps.migrate-002-index-email removed");
  });
});
