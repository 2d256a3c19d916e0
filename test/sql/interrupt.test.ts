import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { runHardhat, startHardhat } from "../helpers/hardhat-cli";
import { appliedVersions } from "./helpers/commands";
import { removeDir, tempDir, writeMigrations } from "./helpers/databases";

/**
 * Ctrl-C during `npx hardhat sql:migrate`, and what the user does next: the migration in flight
 * finishes and is recorded, nothing after it starts, the process exits 3 naming the run, and
 * `--resume` from a new process applies the rest exactly once.
 */
describe("sql:migrate interrupted by Ctrl-C, then resumed", () => {
  let root: string;
  beforeEach(() => {
    root = tempDir("aegis-sql-interrupt-");
  });
  afterEach(() => removeDir(root));

  it("finishes the migration in flight, stops before the next (exit 3), and --resume applies the rest once", async () => {
    const started = path.join(root, "v2-started");
    const release = path.join(root, "v2-release");
    const dir = writeMigrations(root, {
      "V1__log.sql": "create table log (note text not null);\ninsert into log values ('v1');\n",
      // Holds the run inside V2 until the test has sent its Ctrl-C, so the signal lands mid-migration.
      "V2__slow.ts": [
        'import fs from "node:fs";',
        "export async function up(db: { query(sql: string): Promise<unknown> }) {",
        `  fs.writeFileSync(${JSON.stringify(started)}, "");`,
        `  while (!fs.existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));`,
        "  await db.query(\"insert into log values ('v2')\");",
        "}",
      ].join("\n"),
      "V3__more.sql": "insert into log values ('v3');\n",
    });
    const url = `sqlite://${path.join(root, "app.sqlite")}`;
    const env = { AEGIS_DEPLOYMENTS_DIR: path.join(root, "deployments") };
    const args = ["sql:migrate", "--db", url, "--dir", dir];

    const child = startHardhat(args, env);
    while (!fs.existsSync(started)) await new Promise((resolve) => setTimeout(resolve, 20));
    process.kill(child.pid, "SIGINT");
    // Let the signal be handled before V2 goes on (a user's Ctrl-C, then the migration finishes).
    const printed = () => Object.values(child.output()).join("");
    while (!/SIGINT: stopping/.test(printed())) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    fs.writeFileSync(release, "");
    const stopped = await child.exited;

    expect(stopped.code, stopped.stdout + stopped.stderr).to.equal(3);
    expect(await appliedVersions(root, url)).to.deep.equal(["1", "2"]);
    const runId = /sql:migrate --resume (\S+?),/.exec(stopped.stdout)?.[1];
    expect(runId, stopped.stdout).to.be.a("string");

    const resumed = await runHardhat([...args, "--resume", runId!], env);
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(0);
    expect(await appliedVersions(root, url)).to.deep.equal(["1", "2", "3"]);
    const again = await runHardhat(args, env);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout).to.contain("up to date");
    expect(await appliedVersions(root, url)).to.deep.equal(["1", "2", "3"]);
  });
});
