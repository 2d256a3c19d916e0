import { expect } from "chai";

import { isAegisError } from "../../src/core/errors";
import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { flywayChecksum } from "../../src/sql/flyway-checksum";
import { loadMigrations } from "../../src/sql/migration-loader";
import { compareVersions, parseMigrationName } from "../../src/sql/migration-name";
import { splitStatements } from "../../src/sql/statement-splitter";
import { removeDir, tempDir, writeMigrations } from "./helpers/databases";

/** The code of what a function throws (undefined when it does not throw an AEGIS error). */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isAegisError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe("SQL migration files", () => {
  let root: string;
  beforeEach(() => (root = tempDir()));
  afterEach(() => removeDir(root));

  it("reads Flyway names and orders versions numerically", () => {
    expect(parseMigrationName("V1_1__add_email.sql")).to.deep.equal({
      type: "versioned",
      version: "1.1",
      description: "add email",
      format: "sql",
    });
    expect(parseMigrationName("U002__add_email.sql")?.version).to.equal("2");
    expect(parseMigrationName("R__refresh_views.sql")?.type).to.equal("repeatable");
    expect(parseMigrationName("V3__backfill.ts")?.format).to.equal("ts");
    expect(parseMigrationName("V2__x.validations.yaml")).to.equal(undefined);
    expect(parseMigrationName("README.md")).to.equal(undefined);
    expect(["1.10", "2", "1.9", "1"].sort(compareVersions)).to.deep.equal([
      "1",
      "1.9",
      "1.10",
      "2",
    ]);
  });

  it("refuses malformed names, each with AEGIS-E411", () => {
    for (const bad of [
      "V1_init.sql",
      "V__init.sql",
      "Vx__init.sql",
      "R1__views.sql",
      "notes.sql",
      "U1__undo.ts",
    ]) {
      expect(
        codeOf(() => parseMigrationName(bad)),
        bad,
      ).to.equal(SQL_ERROR_CODES.MALFORMED_MIGRATION_NAME);
    }
  });

  it("refuses a version gap, a duplicate version and an undo without its forward migration", () => {
    const gap = writeMigrations(
      root,
      { "V1__a.sql": "select 1;", "V3__c.sql": "select 1;" },
      "gap",
    );
    expect(codeOf(() => loadMigrations(gap))).to.equal(SQL_ERROR_CODES.MIGRATION_VERSION_GAP);
    const dup = writeMigrations(
      root,
      { "V1__a.sql": "select 1;", "V01__b.sql": "select 1;" },
      "dup",
    );
    expect(codeOf(() => loadMigrations(dup))).to.equal(SQL_ERROR_CODES.DUPLICATE_MIGRATION_VERSION);
    const undo = writeMigrations(
      root,
      { "V1__a.sql": "select 1;", "U2__b.sql": "select 1;" },
      "undo",
    );
    expect(codeOf(() => loadMigrations(undo))).to.equal(SQL_ERROR_CODES.UNDO_WITHOUT_FORWARD);
    const missing = `${root}/nowhere`;
    expect(codeOf(() => loadMigrations(missing))).to.equal(SQL_ERROR_CODES.MIGRATION_DIR_MISSING);
    // Timestamps are not a sequence: no gap there.
    const stamps = writeMigrations(
      root,
      { "V20240101__a.sql": "select 1;", "V20240315__b.sql": "select 1;" },
      "ts",
    );
    expect(loadMigrations(stamps).versioned.map((m) => m.version)).to.deep.equal([
      "20240101",
      "20240315",
    ]);
  });

  it("pairs undos, reads validations and refuses an unknown validation", () => {
    const dir = writeMigrations(root, {
      "V1__a.sql": "create table a (id int);\r\n",
      "U1__a.sql": "drop table a;",
      "V1__a.validations.yaml": "- name: rows\n  rowCount: { left: a, equals: 0 }\n",
    });
    const set = loadMigrations(dir);
    const [first] = set.versioned;
    expect(first?.undo?.file).to.equal("U1__a.sql");
    expect(first?.validations).to.deep.equal([
      { name: "rows", rowCount: { left: "a", equals: 0 } },
    ]);
    // The checksum ignores line endings: a checkout on Windows is not drift.
    expect(first?.checksum).to.equal(
      loadMigrations(writeMigrations(root, { "V1__a.sql": "create table a (id int);\n" }, "lf"))
        .versioned[0]?.checksum,
    );
    const bad = writeMigrations(
      root,
      { "V1__a.sql": "select 1;", "V1__a.validations.yaml": "- name: x\n  guess: 1\n" },
      "bad",
    );
    expect(codeOf(() => loadMigrations(bad))).to.equal(SQL_ERROR_CODES.INVALID_VALIDATIONS);
  });
});

describe("SQL statement splitter", () => {
  it("keeps dollar-quoted bodies, comments and strings whole, with each statement's line", () => {
    const script = [
      "-- a comment; with a semicolon",
      "create table t (s text default 'a;b''c');",
      "/* block; comment */",
      "create function f() returns int as $body$",
      "begin",
      "  return 1; -- inside",
      "end;",
      "$body$ language plpgsql;",
      "",
      "do $$ begin perform 1; end $$;",
      "select 'x' as \"semi;colon\"",
    ].join("\n");
    const statements = splitStatements(script, "V1__x.sql", "postgres");
    expect(statements.map((s) => s.line)).to.deep.equal([2, 4, 10, 11]);
    expect(statements[1]?.sql).to.contain("return 1; -- inside");
    expect(statements[0]?.sql).to.equal("create table t (s text default 'a;b''c')");
  });

  it("splits MariaDB procedures without DELIMITER, and # comments and backslash escapes", () => {
    const script = [
      "# MariaDB comment;",
      "insert into t values ('it\\'s; fine');",
      "create procedure p(in n int)",
      "begin",
      "  declare i int default 0;",
      "  while i < n do",
      "    set i = i + 1;",
      "  end while;",
      "  if i > 0 then select case when i > 1 then 'a' else 'b' end; end if;",
      "end;",
      "call p(2);",
    ].join("\n");
    const statements = splitStatements(script, "V1__x.sql", "mysql");
    expect(statements.map((s) => s.line)).to.deep.equal([2, 3, 11]);
    expect(statements[1]?.sql).to.match(/^create procedure[\s\S]*end$/);
  });

  it("names the file and line of an unterminated quote or body (AEGIS-E417)", () => {
    expect(
      codeOf(() => splitStatements("select 1;\nselect 'oops;\n", "V2__x.sql", "sqlite")),
    ).to.equal(SQL_ERROR_CODES.UNTERMINATED_STATEMENT);
    try {
      splitStatements("select 1;\n\ndo $$ begin", "V2__x.sql", "postgres");
    } catch (error) {
      expect((error as Error).message).to.match(/^V2__x\.sql:3: /);
    }
  });
});

describe("SQL database URLs", () => {
  it("keeps credentials out of what is shown and of the runs folder's name", () => {
    const db = parseDatabaseUrl(
      "postgres://admin:s3cret@db.example:6543/app?sslmode=require",
      "/p",
    );
    expect(db).to.include({ kind: "postgres", host: "db.example", port: 6543, database: "app" });
    expect(`${db.display} ${db.key}`).not.to.match(/s3cret|admin/);
    expect(parseDatabaseUrl("pglite://.aegis/sql/default", "/p")).to.include({
      file: "/p/.aegis/sql/default",
    });
    expect(parseDatabaseUrl("sqlite:///tmp/x.db", "/p").file).to.equal("/tmp/x.db");
    expect(parseDatabaseUrl("mariadb://root@h/db", "/p").kind).to.equal("mysql");
  });

  it("refuses an unparseable URL with AEGIS-E400, without echoing it", () => {
    for (const bad of [
      "localhost:5432/app",
      "oracle://x/y",
      "postgres://u:pw@/app",
      "mysql://h",
      "pglite://",
    ]) {
      let message = "";
      const code = codeOf(() => {
        try {
          parseDatabaseUrl(bad, "/p");
        } catch (error) {
          message = (error as Error).message;
          throw error;
        }
      });
      expect(code, bad).to.equal(SQL_ERROR_CODES.INVALID_DATABASE_URL);
      expect(message).not.to.contain("pw");
    }
  });

  it("computes Flyway's checksum whatever the line endings", () => {
    expect(flywayChecksum("create table a (id int);\nselect 1;\n")).to.equal(
      flywayChecksum("\uFEFFcreate table a (id int);\r\nselect 1;"),
    );
    expect(flywayChecksum("a")).to.not.equal(flywayChecksum("b"));
  });
});
