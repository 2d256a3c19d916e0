import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { listRuns } from "../../src/core/list-runs";
import { writeRunReports } from "../../src/report/write-run-reports";
import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { openDatabase } from "../../src/sql/open-database";
import { migrateDatabase } from "../../src/sql/sql-migrate";
import { rollbackDatabase } from "../../src/sql/sql-rollback";
import { migrateInChild } from "./helpers/child";
import { EXAMPLES, appliedVersions, inspect, optionsOf, rejection } from "./helpers/commands";
import { POSTGRES, removeDir, serverDatabase, tempDir, writeMigrations } from "./helpers/databases";

const LOG = {
  "V1__log.sql": "create table log (note varchar(20) not null);\ninsert into log values ('v1');\n",
};

describe("SQL migrations on PostgreSQL (a real server)", function () {
  let root: string;
  let url: string;
  let drop: () => Promise<void>;
  beforeEach(async function () {
    root = tempDir();
    ({ url, drop } = await serverDatabase(this, POSTGRES));
  });
  afterEach(async () => {
    await drop?.();
    removeDir(root);
  });

  it("applies the example set with its validations in transactions, and rolls back to a target", async () => {
    // Trust authentication ignores the password: it is here to be kept out of every file written.
    const withPassword = url.replace("postgres@", "postgres:pa55word@");
    const done = await migrateDatabase(
      optionsOf(root, withPassword, EXAMPLES, { writeReports: writeRunReports }),
    );
    expect(done.status).to.equal("completed");
    const figures = done.result?.state.steps.find((step) => step.id.endsWith("#V2"))?.verification
      ?.figures;
    expect(figures?.["one-row-per-user"]).to.deep.include({ verdict: "go", left: 3, right: 3 });
    for (const file of ["journal.jsonl", "report.json", "report.md"]) {
      expect(fs.readFileSync(path.join(done.runDir as string, file), "utf8")).not.to.contain(
        "pa55word",
      );
    }
    const back = await rollbackDatabase(optionsOf(root, url, EXAMPLES, { target: "1" }));
    expect(back.status).to.equal("completed");
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    const tables = await inspect(root, url, (q) =>
      q("select to_regclass('user_preferences')::text as t"),
    );
    expect(tables[0]?.t).to.equal(null);
  });

  it("a failing validation rolls back the whole migration and names its figure", async () => {
    const dir = writeMigrations(root, {
      ...LOG,
      "V2__dup.sql":
        "create table copy (note varchar(20));\ninsert into copy select note from log;\ninsert into copy values ('extra');\n",
      "V2__dup.validations.yaml": "- name: copied-once\n  rowCount: { left: log, right: copy }\n",
      "U2__dup.sql": "drop table copy;\n",
    });
    const outcome = await migrateDatabase(optionsOf(root, url, dir));
    expect(outcome.status).to.equal("rolled-back");
    expect(outcome.failure?.error.code).to.equal(ERROR_CODES.VERDICT_STOP);
    expect(outcome.failure?.error.message).to.contain("copied-once failed: row count 1 != 2");
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    expect(
      (await inspect(root, url, (q) => q("select to_regclass('copy')::text as t")))[0]?.t,
    ).to.equal(null);
  });

  it("SQL failing on line N names file:line (PostgreSQL's error position) and keeps nothing", async () => {
    const dir = writeMigrations(root, {
      "V1__bad.sql": "create table a (id integer);\n\ninsert into a\n  values (1),\n  (nope);\n",
    });
    const outcome = await migrateDatabase(optionsOf(root, url, dir));
    expect(outcome.failure?.error.code).to.equal(SQL_ERROR_CODES.STATEMENT_FAILED);
    expect(outcome.failure?.error.message).to.match(
      /^V1__bad\.sql:5: column "nope" does not exist/,
    );
    expect(
      (await inspect(root, url, (q) => q("select to_regclass('a')::text as t")))[0]?.t,
    ).to.equal(null);
  });

  it("SIGKILL in the middle of a migration: no partial change, no stuck lock, and --resume applies it once", async () => {
    const dir = writeMigrations(root, {
      ...LOG,
      "V2__copy.ts": [
        "export async function up(db: { query(sql: string): Promise<unknown> }) {",
        "  await db.query(\"insert into log values ('v2-partial')\");",
        "  // The test's kill: mid-transaction, after a change the transaction has not committed.",
        "  if (process.env.AEGIS_TEST_KILL_IN_MIGRATION === '1') process.kill(process.pid, 'SIGKILL');",
        "  await db.query(\"insert into log values ('v2')\");",
        "}",
      ].join("\n"),
    });
    const options = optionsOf(root, url, dir);
    const killed = await migrateInChild(options, { AEGIS_TEST_KILL_IN_MIGRATION: "1" });
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    const notes = async () =>
      (await inspect(root, url, (q) => q("select note from log order by note"))).map((r) => r.note);
    expect(await notes()).to.deep.equal(["v1"]);
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    // The server ends the dead session and its advisory lock with it.
    const name = parseDatabaseUrl(url, root).database as string;
    let advisory = 1;
    for (let tries = 0; tries < 50 && advisory > 0; tries += 1) {
      const rows = await inspect(root, url, (q) =>
        q(
          `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = '${name}'`,
        ),
      );
      advisory = Number(rows[0]?.n);
      if (advisory > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(advisory).to.equal(0);
    const runs = listRuns(path.join(root, "deployments/sql", parseDatabaseUrl(url, root).key));
    expect(runs).to.have.length(1);
    const runId = runs[0]?.runId as string;
    // A new run is refused while that one is unfinished.
    expect((await rejection(migrateDatabase(options))).code).to.equal(
      SQL_ERROR_CODES.UNFINISHED_SQL_RUN,
    );
    const resumed = await migrateDatabase({ ...options, resume: runId });
    expect(resumed.status).to.equal("completed");
    expect(await notes()).to.deep.equal(["v1", "v2", "v2-partial"]);
    expect(await appliedVersions(root, url)).to.deep.equal(["1", "2"]);
  });

  it("two processes migrate one database: one applies, the other waits or fails clearly, neither applies twice", async () => {
    const dir = writeMigrations(root, {
      ...LOG,
      "V2__slow.sql": "select pg_sleep(0.5);\ninsert into log values ('v2');\n",
    });
    const [a, b] = await Promise.all([
      migrateInChild(optionsOf(root, url, dir)),
      migrateInChild(optionsOf(root, url, dir)),
    ]);
    const outcomes = [a.out, b.out].map((out) => out?.status ?? out?.error);
    expect(outcomes, `${a.stderr}${b.stderr}`).to.include("completed");
    for (const outcome of outcomes)
      expect(["completed", "nothing-to-do", ERROR_CODES.LOCK_HELD]).to.include(outcome);
    const notes = await inspect(root, url, (q) => q("select note from log order by note"));
    expect(notes.map((row) => row.note)).to.deep.equal(["v1", "v2"]);
  });

  it("a run that cannot get the database's lock in time fails with AEGIS-E120 naming the holder, changing nothing", async () => {
    const dir = writeMigrations(root, LOG);
    const holder = await openDatabase(parseDatabaseUrl(url, root), { purpose: "test" });
    try {
      await holder.holdRunLock("holder-run");
      const error = await rejection(
        migrateDatabase(optionsOf(root, url, dir, { lockWaitMs: 300 })),
      );
      expect(error.code).to.equal(ERROR_CODES.LOCK_HELD);
      expect(error.message).to.contain("aegis holder-run");
    } finally {
      await holder.close();
    }
    expect(await appliedVersions(root, url)).to.deep.equal([]);
  });

  it("bad input: wrong credentials (AEGIS-E402), an unreachable server (AEGIS-E401), a password never echoed", async () => {
    const dir = writeMigrations(root, LOG);
    const auth = await rejection(
      migrateDatabase(optionsOf(root, url.replace("postgres@", "no_such_role:pa55word@"), dir)),
    );
    expect(auth.code).to.equal(SQL_ERROR_CODES.DATABASE_AUTH_FAILED);
    expect(`${auth.message} ${auth.hint}`).not.to.contain("pa55word");
    const down = await rejection(
      migrateDatabase(optionsOf(root, "postgres://postgres:pa55word@127.0.0.1:1/test", dir)),
    );
    expect(down.code).to.equal(SQL_ERROR_CODES.DATABASE_UNREACHABLE);
    expect(`${down.message} ${down.hint}`).not.to.contain("pa55word");
    expect(await appliedVersions(root, url)).to.deep.equal([]);
  });
});
