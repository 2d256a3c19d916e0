import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { ERROR_CODES } from "../../src/core/error-codes";
import { writeRunReports } from "../../src/report/write-run-reports";
import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { flywayChecksum } from "../../src/sql/flyway-checksum";
import { readHistory } from "../../src/sql/history-table";
import { openDatabase } from "../../src/sql/open-database";
import { baselineDatabase } from "../../src/sql/sql-baseline";
import { migrateDatabase } from "../../src/sql/sql-migrate";
import { previewMigrations } from "../../src/sql/sql-preview";
import { rollbackDatabase } from "../../src/sql/sql-rollback";
import { EXAMPLES, appliedVersions, inspect, optionsOf, rejection } from "./helpers/commands";
import { freshPglite, removeDir, tempDir, writeMigrations } from "./helpers/databases";

const USERS =
  "create table users (id integer primary key, name varchar(100) not null);\n" +
  "insert into users (id, name) values (1, 'Ada Lovelace'), (2, 'Alan Turing'), (3, 'Grace Hopper');\n";

/** V2 copies only two of the three users: its count validation must fail. */
const SHORT_COPY = {
  "V1__users.sql": USERS,
  "V2__prefs.sql":
    "create table prefs (user_id integer primary key, theme varchar(10) not null default 'light');\n" +
    "insert into prefs (user_id) select id from users where id < 3;\n",
  "V2__prefs.validations.yaml": "- name: one-per-user\n  rowCount: { left: users, right: prefs }\n",
  "U2__prefs.sql": "drop table prefs;\n",
};

describe("SQL migrations on the embedded databases (PGlite, SQLite)", function () {
  let root: string;
  beforeEach(() => (root = tempDir()));
  afterEach(() => removeDir(root));

  it("PGlite: applies the example set with its validations, records history, rolls back", async () => {
    const url = `pglite://${await freshPglite(root)}`;
    const options = optionsOf(root, url, EXAMPLES, { writeReports: writeRunReports });
    const done = await migrateDatabase(options);
    expect(done.status).to.equal("completed");
    expect(fs.existsSync(done.reports?.markdown as string)).to.equal(true);
    expect(
      done.runDir?.startsWith(
        path.join(root, "deployments", "sql", parseDatabaseUrl(url, root).key),
      ),
    ).to.equal(true);
    // One opening for every look: a PGlite folder takes a second or two to open.
    const seen = await inspect(root, url, async (q) => ({
      history: await q(
        "select version, run_id, script, checksum from aegis_schema_history order by version",
      ),
      users: await q("select first_name, last_name from users order by id"),
    }));
    expect(seen.history.map((row) => row.version)).to.deep.equal(["1", "2", "3"]);
    expect(seen.history[2]).to.include({ run_id: done.runId, script: "V3__split_user_name.sql" });
    expect(seen.history[2]?.checksum).to.match(/^[0-9a-f]{64}$/);
    expect(seen.users[2]).to.deep.equal({ first_name: "Grace", last_name: "Brewster Hopper" });

    // Without --target, a rollback undoes the latest migration: the name split.
    expect((await rollbackDatabase(options)).status).to.equal("completed");
    // (What the undo restored is checked on SQLite and PostgreSQL: a PGlite opening costs seconds.)
  });

  for (const kind of ["pglite", "sqlite"] as const) {
    it(`${kind}: a failing validation rolls the migration back and names its figure`, async () => {
      const url =
        kind === "pglite" ? `pglite://${await freshPglite(root)}` : `sqlite://${root}/app.db`;
      const options = optionsOf(root, url, writeMigrations(root, SHORT_COPY));
      const outcome = await migrateDatabase(options);
      expect(outcome.status).to.equal("rolled-back");
      expect(outcome.failure?.error.code).to.equal(ERROR_CODES.VERDICT_STOP);
      expect(outcome.failure?.error.message).to.contain("one-per-user").and.to.contain("3 != 2");
      expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
      const tables = await inspect(root, url, (q) =>
        q(
          kind === "sqlite"
            ? "select name from sqlite_master where name = 'prefs'"
            : "select to_regclass('prefs')::text as name",
        ),
      );
      expect(tables.filter((row) => row.name !== null)).to.deep.equal([]);
    });
  }

  it("sqlite: SQL failing on line N names file:line and the database's message; nothing of it stays", async () => {
    const url = `sqlite://${root}/app.db`;
    const dir = writeMigrations(root, {
      "V1__bad.sql":
        "create table a (id integer);\n\n-- the next one fails\ninsert into a values (1);\ninsert into missing_table values (1);\n",
    });
    const outcome = await migrateDatabase(optionsOf(root, url, dir));
    // The failed step is rolled back: its transaction kept nothing, so there is nothing to undo.
    expect(outcome.status).to.equal("rolled-back");
    expect(outcome.failure?.error.code).to.equal(SQL_ERROR_CODES.STATEMENT_FAILED);
    expect(outcome.failure?.error.message).to.match(/^V1__bad\.sql:5: .*missing_table/);
    const left = await inspect(root, url, (q) =>
      q("select name from sqlite_master where name = 'a'"),
    );
    expect(left).to.deep.equal([]);
  });

  it("a drifted file stops the run before anything, naming the file and both checksums", async () => {
    const url = `sqlite://${root}/app.db`;
    const dir = writeMigrations(root, { "V1__users.sql": USERS });
    await migrateDatabase(optionsOf(root, url, dir));
    fs.writeFileSync(path.join(dir, "V1__users.sql"), `${USERS}-- edited after it was applied\n`);
    fs.writeFileSync(path.join(dir, "V2__more.sql"), "create table more (id integer);\n");
    const runsBefore = fs.readdirSync(
      path.join(root, "deployments/sql", parseDatabaseUrl(url, root).key, "runs"),
    );
    const error = await rejection(migrateDatabase(optionsOf(root, url, dir)));
    expect(error.code).to.equal(SQL_ERROR_CODES.MIGRATION_DRIFT);
    const applied = (
      await inspect(root, url, (q) => q("select checksum from aegis_schema_history"))
    )[0]?.checksum;
    expect(error.message).to.contain("V1__users.sql").and.to.contain(String(applied));
    expect(error.message).to.match(/file now [0-9a-f]{64}/);
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    const runsAfter = fs.readdirSync(
      path.join(root, "deployments/sql", parseDatabaseUrl(url, root).key, "runs"),
    );
    expect(runsAfter).to.deep.equal(runsBefore);
  });

  it("sql:plan shows statements and validations, changes nothing, and the database enforces it", async () => {
    const url = `sqlite://${root}/app.db`;
    const dir = writeMigrations(root, SHORT_COPY);
    await migrateDatabase(optionsOf(root, url, dir, { target: "1" }));
    const preview = await previewMigrations(optionsOf(root, url, dir));
    expect(preview.migrations.map((m) => m.key)).to.deep.equal(["2"]);
    expect(preview.migrations[0]?.statements.map((s) => s.line)).to.deep.equal([1, 2]);
    expect(preview.migrations[0]?.validations[0]).to.include({
      name: "one-per-user",
      kind: "rowCount",
    });
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    // The read-only transaction the preview runs in refuses writes: SQLite's query_only.
    const open = await openDatabase(parseDatabaseUrl(url, root));
    try {
      await open.session.begin({ readOnly: true });
      const refused = await open.session
        .query("insert into users values (9, 'x')")
        .catch((e: Error) => e);
      expect(String(refused)).to.match(/readonly|read-only/i);
      await open.session.rollback();
    } finally {
      await open.close();
    }
  });

  it("PGlite's read-only transaction refuses writes, and a second opener of the folder is refused (AEGIS-E403)", async () => {
    const url = `pglite://${await freshPglite(root)}`;
    const db = parseDatabaseUrl(url, root);
    const open = await openDatabase(db);
    try {
      const second = await rejection(openDatabase(db));
      expect(second.code).to.equal(SQL_ERROR_CODES.DATABASE_IN_USE);
      await open.session.begin({ readOnly: true });
      const refused = await open.session.query("create table x (id int)").catch((e: Error) => e);
      expect(String(refused)).to.contain("read-only transaction");
      await open.session.rollback();
    } finally {
      await open.close();
    }
  });

  it("adopts a Flyway-managed database: same versions, nothing re-run; a file Flyway applied differently is drift", async () => {
    const url = `sqlite://${root}/app.db`;
    const v1 = USERS;
    const dir = writeMigrations(root, {
      "V1__users.sql": v1,
      "V2__more.sql": "create table more (id integer);\n",
    });
    await inspect(root, url, async (q) => {
      await q(v1.split(";\n")[0] as string);
      await q(
        "create table flyway_schema_history (installed_rank int primary key, version varchar(50), description varchar(200), " +
          "type varchar(20), script varchar(1000), checksum int, installed_by varchar(100), installed_on timestamp, execution_time int, success boolean)",
      );
      await q(
        `insert into flyway_schema_history values (1, '1', 'users', 'SQL', 'V1__users.sql', ${flywayChecksum(v1)}, 'flyway', null, 5, 1)`,
      );
    });
    const adopted = await baselineDatabase({ ...optionsOf(root, url, dir), fromFlyway: true });
    expect(adopted.status).to.equal("completed");
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    const next = await migrateDatabase(optionsOf(root, url, dir));
    expect(next.status).to.equal("completed");
    expect(await appliedVersions(root, url)).to.have.members(["1", "2"]);
    expect((await rejection(baselineDatabase(optionsOf(root, url, dir)))).code).to.equal(
      SQL_ERROR_CODES.ALREADY_BASELINED,
    );

    const other = `sqlite://${root}/other.db`;
    await inspect(root, other, async (q) => {
      await q(
        "create table flyway_schema_history (installed_rank int, version varchar(50), description varchar(200), type varchar(20), script varchar(1000), checksum int, success boolean)",
      );
      await q(
        "insert into flyway_schema_history values (1, '1', 'users', 'SQL', 'V1__users.sql', 12345, 1)",
      );
    });
    const drift = await rejection(
      baselineDatabase({ ...optionsOf(root, other, dir), fromFlyway: true }),
    );
    expect(drift.code).to.equal(SQL_ERROR_CODES.MIGRATION_DRIFT);
    expect(drift.message).to.contain("V1__users.sql").and.to.contain("flyway 12345");
    expect(
      (
        await rejection(
          baselineDatabase({
            ...optionsOf(root, `sqlite://${root}/none.db`, dir),
            fromFlyway: true,
          }),
        )
      ).code,
    ).to.equal(SQL_ERROR_CODES.FLYWAY_HISTORY_MISSING);
  });

  it("re-applies a repeatable migration when its checksum changes, after the versioned ones", async () => {
    const url = `sqlite://${root}/app.db`;
    const view = (filter: string) =>
      `drop view if exists named;\ncreate view named as select id from users where ${filter};\n`;
    const dir = writeMigrations(root, {
      "V1__users.sql": USERS,
      "R__named_view.sql": view("1 = 1"),
    });
    const first = await migrateDatabase(optionsOf(root, url, dir));
    expect(first.result?.state.steps.map((step) => step.id.split("#")[1])).to.deep.equal([
      "V1",
      "R-named_view",
    ]);
    expect((await migrateDatabase(optionsOf(root, url, dir))).status).to.equal("nothing-to-do");
    fs.writeFileSync(path.join(dir, "R__named_view.sql"), view("id > 1"));
    expect((await migrateDatabase(optionsOf(root, url, dir))).status).to.equal("completed");
    expect(await inspect(root, url, (q) => q("select id from named order by id"))).to.deep.equal([
      { id: 2 },
      { id: 3 },
    ]);
  });

  it("runs a TypeScript migration's up, validations and down; refuses an unknown --target", async () => {
    const url = `sqlite://${root}/app.db`;
    const dir = writeMigrations(root, {
      "V1__users.sql": USERS,
      "V2__backfill.ts": [
        "import type { SqlSession } from '../../../src/sql/sql-session';".replace(
          "../../../",
          path.resolve(__dirname, "../..") + "/",
        ),
        "export async function up(db: SqlSession) {",
        "  await db.query('create table initials (id integer, initial varchar(1))');",
        "  for (const row of (await db.query<{ id: number; name: string }>('select id, name from users')).rows)",
        "    await db.query('insert into initials values (?, ?)', [row.id, row.name.slice(0, 1)]);",
        "}",
        "export async function down(db: SqlSession) { await db.query('drop table initials'); }",
        "export const validations = [{ name: 'all-users', rowCount: { left: 'users', right: 'initials' } }];",
      ].join("\n"),
    });
    const done = await migrateDatabase(optionsOf(root, url, dir));
    expect(done.status).to.equal("completed");
    expect(
      (await inspect(root, url, (q) => q("select initial from initials order by id"))).map(
        (r) => r.initial,
      ),
    ).to.deep.equal(["A", "A", "G"]);
    expect((await rollbackDatabase(optionsOf(root, url, dir))).status).to.equal("completed");
    expect(await appliedVersions(root, url)).to.deep.equal(["1"]);
    const target = await rejection(migrateDatabase(optionsOf(root, url, dir, { target: "7" })));
    expect(target.code).to.equal(SQL_ERROR_CODES.UNKNOWN_TARGET_VERSION);
    const open = await openDatabase(parseDatabaseUrl(url, root));
    try {
      expect((await readHistory(open.session)).map((row) => row.kind)).to.deep.equal(["sql"]);
    } finally {
      await open.close();
    }
  });
});
