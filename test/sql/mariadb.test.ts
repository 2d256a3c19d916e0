import * as path from "node:path";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { listRuns } from "../../src/core/list-runs";
import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { migrateDatabase } from "../../src/sql/sql-migrate";
import { rollbackDatabase } from "../../src/sql/sql-rollback";
import { previewMigrations } from "../../src/sql/sql-preview";
import { migrateInChild } from "./helpers/child";
import { appliedVersions, inspect, optionsOf, rejection } from "./helpers/commands";
import { MARIADB, removeDir, serverDatabase, tempDir, writeMigrations } from "./helpers/databases";

const FILES = {
  // One statement, so that the kill test's crash point (the 2nd statement's outcome) is in V2.
  "V1__users.sql":
    "create table users (id int primary key, name varchar(100) not null)\n" +
    "select 1 as id, 'Ada Lovelace' as name union all select 2, 'Alan Turing';\n",
  // DDL then data: MariaDB commits the DDL on its own, so each statement is a checkpoint.
  "V2__split.sql": [
    "alter table users add column first_name varchar(50);",
    "alter table users add column last_name varchar(50);",
    "update users set first_name = substring_index(name, ' ', 1), last_name = substring(name, length(substring_index(name, ' ', 1)) + 2);",
    "alter table users drop column name;",
    "",
  ].join("\n"),
  "U2__split.sql": [
    "alter table users add column if not exists name varchar(100);",
    "update users set name = concat(first_name, ' ', last_name) where first_name is not null;",
    "alter table users drop column if exists first_name;",
    "alter table users drop column if exists last_name;",
    "",
  ].join("\n"),
};

describe("SQL migrations on MariaDB (a real server, DDL not transactional)", function () {
  let root: string;
  let url: string;
  let drop: () => Promise<void>;
  beforeEach(async function () {
    root = tempDir();
    ({ url, drop } = await serverDatabase(this, MARIADB));
  });
  afterEach(async () => {
    await drop?.();
    removeDir(root);
  });

  it("says up front that its migrations are not atomic, and runs a procedure written without DELIMITER", async () => {
    const dir = writeMigrations(root, {
      ...FILES,
      "V3__procedure.sql": [
        "create procedure count_users(out n int)",
        "begin",
        "  declare c int default 0;",
        "  select count(*) into c from users;",
        "  if c > 0 then set n = c; else set n = 0; end if;",
        "end;",
        "",
      ].join("\n"),
    });
    const preview = await previewMigrations(optionsOf(root, url, dir));
    expect(preview.migrations.map((m) => m.atomic)).to.deep.equal([false, false, false]);
    expect(preview.readOnly).to.contain("READ ONLY");
    const done = await migrateDatabase(optionsOf(root, url, dir));
    expect(done.status).to.equal("completed");
    const step = done.result?.state.steps.find((s) => s.id.endsWith("#V2"));
    expect(step?.effects.map((e) => e.key)).to.deep.equal([
      "before",
      "s1",
      "s2",
      "s3",
      "s4",
      "history",
    ]);
    const users = await inspect(root, url, async (q) => {
      await q("call count_users(@n)");
      return {
        n: await q("select @n as n"),
        rows: await q("select first_name, last_name from users order by id"),
      };
    });
    expect(Number(users.n[0]?.n)).to.equal(2);
    expect(users.rows[1]).to.deep.equal({ first_name: "Alan", last_name: "Turing" });
  });

  it("SIGKILL between two statements: --resume goes on at the next statement and reaches the migrated state", async () => {
    const dir = writeMigrations(root, FILES);
    const options = optionsOf(root, url, dir);
    const killed = await migrateInChild(options, { AEGIS_CRASH_AT: "effect.applied:s2" });
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    const columns = async () =>
      (
        await inspect(root, url, (q) =>
          q(
            "select column_name as c from information_schema.columns where table_schema = database() and table_name = 'users' order by ordinal_position",
          ),
        )
      ).map((row) => row.c);
    // Known state: the two statements the journal says ran, and no more.
    expect(await columns()).to.deep.equal(["id", "name", "first_name", "last_name"]);
    const runId = listRuns(path.join(root, "deployments/sql", parseDatabaseUrl(url, root).key))[0]
      ?.runId as string;
    const resumed = await migrateDatabase({ ...options, resume: runId });
    expect(resumed.status).to.equal("completed");
    expect(await columns()).to.deep.equal(["id", "first_name", "last_name"]);
    expect(await appliedVersions(root, url)).to.deep.equal(["1", "2"]);
  });

  it("SIGKILL between two statements, then sql:rollback: the undo script restores V1's state, and a new run completes", async () => {
    const dir = writeMigrations(root, FILES);
    const options = optionsOf(root, url, dir);
    const killed = await migrateInChild(options, { AEGIS_CRASH_AT: "effect.applied:s2" });
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    const table = async () => ({
      columns: (
        await inspect(root, url, (q) =>
          q(
            "select column_name as c from information_schema.columns where table_schema = database() and table_name = 'users' order by ordinal_position",
          ),
        )
      ).map((row) => row.c),
      rows: await inspect(root, url, (q) => q("select * from users order by id")),
    });
    // Half applied: the journal's two statements ran, V2 is not in the history.
    expect((await table()).columns).to.deep.equal(["id", "name", "first_name", "last_name"]);
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);

    // The user gives up on the crashed run instead of resuming it.
    const undone = await rollbackDatabase(options);
    expect(undone.status).to.equal("rolled-back");
    expect(await table()).to.deep.equal({
      columns: ["id", "name"],
      rows: [
        { id: 1, name: "Ada Lovelace" },
        { id: 2, name: "Alan Turing" },
      ],
    });
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);

    const again = await migrateDatabase(options);
    expect(again.status).to.equal("completed");
    expect((await table()).columns).to.deep.equal(["id", "first_name", "last_name"]);
    expect(await appliedVersions(root, url)).to.deep.equal(["1", "2"]);
  });

  it("a failing validation undoes the statements with the undo script and names its figure", async () => {
    const dir = writeMigrations(root, {
      ...FILES,
      "V2__split.validations.yaml":
        "- name: last-name-present\n  zeroRows: select id from users where last_name = ''\n",
      "V1__users.sql": FILES["V1__users.sql"].replace("'Alan Turing'", "'Plato'"),
    });
    const outcome = await migrateDatabase(optionsOf(root, url, dir));
    expect(outcome.status).to.equal("rolled-back");
    expect(outcome.failure?.error.code).to.equal(ERROR_CODES.VERDICT_STOP);
    expect(outcome.failure?.error.message).to.contain(
      "last-name-present failed: 1 row(s) break the rule",
    );
    const rows = await inspect(root, url, (q) => q("select * from users order by id"));
    expect(rows).to.deep.equal([
      { id: 1, name: "Ada Lovelace" },
      { id: 2, name: "Plato " },
    ]);
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
  });

  it("wrong credentials: AEGIS-E402, nothing changed", async () => {
    const dir = writeMigrations(root, FILES);
    const error = await rejection(
      migrateDatabase(optionsOf(root, url.replace("root@", "no_such_user:pa55word@"), dir)),
    );
    expect(error.code).to.equal(SQL_ERROR_CODES.DATABASE_AUTH_FAILED);
    expect(`${error.message} ${error.hint}`).not.to.contain("pa55word");
    expect(await appliedVersions(root, url)).to.deep.equal([]);
  });
});
