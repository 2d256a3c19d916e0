import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { runHardhat } from "../helpers/hardhat-cli";
import { PROJECT_ROOT } from "../helpers/local-node";

const EXAMPLE = path.join(PROJECT_ROOT, "migrations", "api");
const SERVICE = path.join(EXAMPLE, "service.ts");

/**
 * The api:* tasks as a user runs them, each its own `hardhat` process: what they print, their
 * exit codes, and a rollout left waiting that `--resume` picks up from another process.
 */
describe("api:* tasks run as processes", () => {
  let dir: string;
  const env = () => ({ AEGIS_DEPLOYMENTS_DIR: dir });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-cli-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("api:diff checks the example's changes against its spec (0); a missing document is bad input (2)", async () => {
    const [covered, missing] = await Promise.all([
      runHardhat(
        [
          "api:diff",
          "--from",
          path.join(EXAMPLE, "openapi-v1.yaml"),
          "--to",
          path.join(EXAMPLE, "openapi-v2.yaml"),
          "--spec",
          path.join(EXAMPLE, "user-v2.yaml"),
        ],
        env(),
      ),
      runHardhat(
        ["api:diff", "--from", path.join(dir, "nope.yaml"), "--to", path.join(dir, "nope.yaml")],
        env(),
      ),
    ]);
    expect(covered.code, covered.stderr).to.equal(0);
    expect(covered.stdout).to.match(/GET \/users\/\{id\}\/profile is gone .*deprecation/);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^AEGIS-E520 /);
    expect(missing.stderr).to.contain("hint:");
    expect(missing.stderr).to.not.match(/\n\s+at /);
  });

  it("api:rollout --no-wait leaves the run waiting at stage 1 (3); --resume from a new process goes on waiting there (3)", async () => {
    const spec = path.join(dir, "spec.yaml");
    fs.writeFileSync(
      spec,
      fs
        .readFileSync(path.join(__dirname, "fixtures", "rollout.yaml"), "utf8")
        .replace(
          "    min_requests: 2\n",
          `    min_requests: 2\n    traffic: { adapter: in-process, service: ${SERVICE}, port: 0 }\n`,
        ),
    );
    const first = await runHardhat(["api:rollout", "--spec", spec, "--no-wait"], env());
    expect(first.code, first.stdout + first.stderr).to.equal(3);
    const runId = /--resume (\S+?)\.?\s/.exec(first.stdout)?.[1];
    expect(runId, first.stdout).to.match(/-api-users-v2-test$/);
    expect(fs.existsSync(path.join(dir, "api", "runs", runId!, "journal.jsonl"))).to.equal(true);

    const resumed = await runHardhat(["api:rollout", "--resume", runId!, "--no-wait"], env());
    expect(resumed.code, resumed.stdout + resumed.stderr).to.equal(3);
    expect(resumed.stdout).to.contain("stage 1 (10%)");
    const report = fs.readFileSync(path.join(dir, "api", "runs", runId!, "report.md"), "utf8");
    expect(report).to.contain(runId!);
  });
});
