import * as path from "node:path";

import { expect } from "chai";
import hre from "hardhat";

import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { removeDir, tempDir, writeMigrations } from "./helpers/databases";

/** What a task printed on stdout and stderr, and the exit code it set. */
async function runTask(name: string, args: Record<string, unknown>) {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  console.log = (...parts: unknown[]) => void out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => void err.push(parts.join(" "));
  process.stderr.write = ((chunk: string) => (
    err.push(String(chunk).trimEnd()),
    true
  )) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string) => (
    out.push(String(chunk).trimEnd()),
    true
  )) as typeof process.stdout.write;
  const before = process.exitCode;
  try {
    await hre.run(name, { dir: "migrations/sql", json: false, ...args });
    return { stdout: out.join("\n"), stderr: err.join("\n"), exitCode: process.exitCode };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
    process.stdout.write = writeOut;
    process.exitCode = before;
  }
}

describe("the sql:* tasks (registered, printing and exit codes)", function () {
  let root: string;
  let runs: string | undefined;
  beforeEach(() => (root = tempDir()));
  afterEach(() => {
    removeDir(root);
    // The project's runs folder of this test's throwaway database.
    if (runs !== undefined) removeDir(runs);
  });

  it("bad input: code, one-line message and hint, no stack, no password, exit code 2", async () => {
    const dir = writeMigrations(root, { "V1__a.sql": "select 1;\n" });
    const unreachable = await runTask("sql:migrate", {
      db: "postgres://u:secretpw@127.0.0.1:1/x",
      dir,
    });
    expect(unreachable.exitCode).to.equal(2);
    expect(unreachable.stderr).to.match(
      new RegExp(
        `^${SQL_ERROR_CODES.DATABASE_UNREACHABLE} database postgres 127\\.0\\.0\\.1:1/x is unreachable`,
      ),
    );
    expect(unreachable.stderr).to.contain("\n  hint: ");
    expect(unreachable.stderr + unreachable.stdout).not.to.match(/secretpw|\n\s+at /);
    const gap = writeMigrations(
      root,
      { "V1__a.sql": "select 1;", "V3__c.sql": "select 1;" },
      "gap",
    );
    const gapped = await runTask("sql:plan", { db: `sqlite://${root}/app.db`, dir: gap });
    expect(gapped.exitCode).to.equal(2);
    expect(gapped.stderr).to.contain(
      `${SQL_ERROR_CODES.MIGRATION_VERSION_GAP} version 2 is missing between V1__a.sql and V3__c.sql`,
    );
  });

  it("sql:migrate --json prints engine events and a result line; sql:status and sql:validate read it back", async () => {
    const dir = writeMigrations(root, {
      "V1__a.sql": "create table a (id integer);\ninsert into a values (1);\n",
    });
    const db = `sqlite://${root}/app.db`;
    const { key } = parseDatabaseUrl(db, hre.config.paths.root);
    runs = path.join(hre.config.aegis.deploymentsDir, "sql", key);
    const migrated = await runTask("sql:migrate", { db, dir, json: true });
    expect(migrated.exitCode, migrated.stderr).to.equal(0);
    const lines = migrated.stdout
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    expect(lines.map((line) => line.type)).to.include("step.verified");
    expect(lines.at(-1)).to.include({ type: "sql.result", status: "completed" });
    const status = await runTask("sql:status", { db, dir });
    expect(status.stdout).to.contain("1 applied, 0 pending");
    expect(status.exitCode).to.equal(0);
    const valid = await runTask("sql:validate", { db, dir });
    expect(valid.stdout).to.contain(": valid");
    const again = await runTask("sql:migrate", { db, dir });
    expect(again.stdout).to.contain("up to date");
    expect(again.exitCode).to.equal(0);
  });
});
