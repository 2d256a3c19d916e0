import { expect } from "chai";

import { parseDatabaseUrl } from "../../src/sql/database-url";
import { SQL_ERROR_CODES } from "../../src/sql/error-codes";
import { openDatabase } from "../../src/sql/open-database";
import { migrateInChild } from "./helpers/child";
import { appliedVersions, optionsOf } from "./helpers/commands";
import { removeDir, tempDir, writeMigrations } from "./helpers/databases";

describe("the guard of an embedded database, across processes", function () {
  let root: string;
  beforeEach(() => (root = tempDir()));
  afterEach(() => removeDir(root));

  it("a second process cannot open an embedded database another one has open (AEGIS-E403)", async () => {
    const url = `sqlite://${root}/app.db`;
    const dir = writeMigrations(root, { "V1__log.sql": "create table log (note varchar(20));\n" });
    const held = await openDatabase(parseDatabaseUrl(url, root));
    try {
      const child = await migrateInChild(optionsOf(root, url, dir));
      expect(child.out?.error, child.stderr).to.equal(SQL_ERROR_CODES.DATABASE_IN_USE);
      expect(child.out?.message).to.contain(`pid ${process.pid}`);
    } finally {
      await held.close();
    }
    expect(await appliedVersions(root, url)).to.deep.equal([]);
  });
});
