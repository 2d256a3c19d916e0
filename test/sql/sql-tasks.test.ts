import * as path from "node:path";

import { expect } from "chai";

import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { runHardhat } from "../helpers/hardhat-cli";
import { PROJECT_ROOT } from "../helpers/local-node";
import { removeDir, tempDir, writeMigrations } from "./helpers/databases";

describe("the sql:* tasks, as a user runs them", function () {
  let root: string;
  let runsOfDb: string | undefined;
  beforeEach(() => (root = tempDir()));
  afterEach(() => {
    removeDir(root);
    // The project's runs folder of this test's throwaway database.
    if (runsOfDb !== undefined) removeDir(runsOfDb);
  });

  it("print code, message and hint without a stack, exit 2 on bad input, 0 with --json events on success", async () => {
    const good = writeMigrations(root, {
      "V1__a.sql": "create table a (id integer);\ninsert into a values (1);\n",
    });
    const dbUrl = `sqlite://${root}/app.db`;
    runsOfDb = path.join(
      PROJECT_ROOT,
      "deployments",
      "sql",
      parseDatabaseUrl(dbUrl, PROJECT_ROOT).key,
    );
    // Two processes at once: each Hardhat start costs seconds. (Which code exits 2 and which 1
    // is exit-code-of.ts's table.)
    const [unreachable, migrated] = await Promise.all([
      runHardhat(["sql:migrate", "--db", "postgres://u:secretpw@127.0.0.1:1/x", "--dir", good], {}),
      runHardhat(["sql:migrate", "--db", dbUrl, "--dir", good, "--json"], {}),
    ]);
    expect(unreachable.code, unreachable.stderr).to.equal(2);
    expect(unreachable.stderr).to.match(
      new RegExp(
        `^${SQL_ERROR_CODES.DATABASE_UNREACHABLE} database postgres 127\\.0\\.0\\.1:1/x is unreachable`,
      ),
    );
    expect(unreachable.stderr).to.contain("\n  hint: ");
    expect(unreachable.stderr + unreachable.stdout).not.to.match(/secretpw|\n\s+at /);
    expect(migrated.code, migrated.stderr).to.equal(0);
    const lines = migrated.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    expect(lines.map((line) => line.type)).to.include("step.verified");
    expect(lines.at(-1)).to.include({ type: "sql.result", status: "completed" });
  });
});
