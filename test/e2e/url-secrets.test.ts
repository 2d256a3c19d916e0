import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startAnvilNode } from "../helpers/anvil-node";
import { freePort, type LocalNode } from "../helpers/local-node";
import { runHardhat, type CliResult } from "../helpers/hardhat-cli";
import { safeUrl } from "../../src/core/redaction";
import { startKeyedRelay, type KeyedRelay, type RelayKeys } from "./keyed-rpc-relay";

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The task sections of the script's output: name -> exit code. */
function exitCodes(stdout: string): Record<string, number> {
  return Object.fromEntries(
    [...stdout.matchAll(/^::exit (.+) (\d+)$/gm)].map((match) => [match[1]!, Number(match[2])]),
  );
}

/** What a task printed: the lines between its ::task and ::exit markers (stdout only). */
function section(stdout: string, name: string): string {
  const start = stdout.indexOf(`::task ${name}\n`);
  const end = stdout.indexOf(`::exit ${name} `, start);
  return start < 0 || end < 0 ? "" : stdout.slice(start, end);
}

describe("URLs are secrets: every task that takes a URL, through a relay keyed in the path, the query and the user info", () => {
  const key = (tag: string) => `${tag}${crypto.randomBytes(12).toString("hex")}`;
  const keys: RelayKeys = {
    pathKey: key("PATHKEY"),
    queryKey: key("QUERYKEY"),
    user: "aegis",
    userKey: key("USERKEY"),
  };
  // The Authorization header's value must not leak either: it is the user key, encoded.
  const basic = Buffer.from(`${keys.user}:${keys.userKey}`).toString("base64");
  const secrets = [keys.pathKey, keys.queryKey, keys.userKey, basic];
  let node: LocalNode;
  let relay: KeyedRelay;
  let root: string;
  let deploymentsDir: string;
  let deadUrl: string;
  let run: CliResult;
  let unreachable: CliResult;

  before(async () => {
    node = await startAnvilNode();
    relay = await startKeyedRelay(node.url, keys);
    root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-url-secrets-"));
    deploymentsDir = path.join(root, "deployments");
    const port = await freePort(); // nothing listens there
    deadUrl = `http://${keys.user}:${keys.userKey}@127.0.0.1:${port}/v2/${keys.pathKey}?apikey=${keys.queryKey}`;
    // One process runs every task (start-up costs seconds a task); a second one, at the same
    // time, meets a network URL that does not answer.
    [run, unreachable] = await Promise.all([
      runHardhat(
        ["run", "--no-compile", "--network", "localhost", "test/e2e/url-secrets-tasks.ts"],
        {
          AEGIS_LOCALHOST_URL: relay.url,
          AEGIS_DEPLOYMENTS_DIR: deploymentsDir,
          AEGIS_TEST_FORK_URL: relay.url,
          AEGIS_TEST_DEAD_FORK_URL: deadUrl,
          AEGIS_TEST_OUT: path.join(deploymentsDir, "files"),
        },
      ),
      runHardhat(["aegis:deploy", "--network", "localhost"], {
        AEGIS_LOCALHOST_URL: deadUrl,
        AEGIS_DEPLOYMENTS_DIR: path.join(deploymentsDir, "unreachable"),
      }),
    ]);
  });
  after(async () => {
    await relay?.stop();
    await node?.stop();
    if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  });

  it("runs each task through the keyed relay: the keys reach it, as the user meant them", () => {
    expect(exitCodes(run.stdout), run.stderr + run.stdout).to.deep.equal({
      "aegis:deploy": 0,
      "aegis:snapshot": 0,
      "aegis:layout": 0,
      "aegis:rehearse hardhat": 0,
      "aegis:rehearse anvil": 0,
      "aegis:rehearse dead": 1,
      "aegis:upgrade": 0,
      "aegis:diff": 0,
      "aegis:status": 0,
      "aegis:status --json": 0,
      "aegis:import": 0,
    });
    expect(section(run.stdout, "aegis:rehearse hardhat")).to.contain("PASSED");
    expect(section(run.stdout, "aegis:diff")).to.contain("0 unexpected changes");
    expect(relay.refused(), "requests without a key").to.deep.equal([]);
    expect(relay.served()).to.be.greaterThan(20);
  });

  it("writes and prints no key: not in records, journals, reports, receipts, snapshots, events or errors", () => {
    const written = filesUnder(deploymentsDir);
    expect(written.some((file) => file.endsWith("receipt.json"))).to.equal(true);
    expect(written.some((file) => file.endsWith("journal.jsonl"))).to.equal(true);
    const texts: Array<[string, string]> = [
      ...written.map((file): [string, string] => [file, fs.readFileSync(file, "latin1")]),
      ["stdout", run.stdout],
      ["stderr", run.stderr],
      ["unreachable stdout", unreachable.stdout],
      ["unreachable stderr", unreachable.stderr],
    ];
    const leaks = texts.flatMap(([where, text]) =>
      secrets.filter((secret) => text.includes(secret)).map((secret) => `${where}: ${secret}`),
    );
    expect(leaks).to.deep.equal([]);
  });

  it("shows a URL as scheme://host:port and a fingerprint, in receipts and in errors", () => {
    const receipts = filesUnder(deploymentsDir).filter((file) => file.endsWith("receipt.json"));
    for (const file of receipts) {
      const receipt = JSON.parse(fs.readFileSync(file, "utf8")) as { forkUrl: string };
      expect(receipt.forkUrl).to.equal(safeUrl(relay.url));
      expect(receipt.forkUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+ #[0-9a-f]{8}$/);
    }
    // An unreachable fork URL is the fork URL's fault, not the network's.
    expect(run.stderr).to.match(/^AEGIS-E339 fork URL http:\/\/127\.0\.0\.1:\d+ #[0-9a-f]{8} /m);
    expect(run.stderr).to.contain(safeUrl(deadUrl));
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.match(/^AEGIS-E300 network localhost /);
    expect(unreachable.stderr).to.contain(safeUrl(deadUrl));
  });
});
