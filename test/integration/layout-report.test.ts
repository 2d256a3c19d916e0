import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rpc, startHardhatNode, type LocalNode } from "../helpers/local-node";
import { runHardhat } from "../helpers/hardhat-cli";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import type { LayoutReport } from "../../src/evm/layout/layout-report";

/** The project's build-info file that compiled `contract` (what a release would keep). */
function buildInfoHolding(contract: string) {
  const infoDir = path.join(__dirname, "..", "..", "artifacts", "build-info");
  return fs
    .readdirSync(infoDir)
    .map((file) => JSON.parse(fs.readFileSync(path.join(infoDir, file), "utf8")))
    .find((info) =>
      Object.values(info.output.contracts as Record<string, object>).some(
        (contracts) => contract in contracts,
      ),
    );
}

describe("aegis:layout against a real hardhat node", () => {
  let node: LocalNode;
  let dir: string;
  const env = () => ({ AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: dir });
  const layout = (args: string[]) =>
    runHardhat(["aegis:layout", "--network", "localhost", ...args], env());

  before(async () => {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-layout-"));
    const deployed = await runHardhat(["aegis:deploy", "--network", "localhost", "--seed"], env());
    expect(deployed.code, deployed.stderr).to.equal(0);
  });
  after(async () => {
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports V1 -> V2 from the project's record, with the live bytes checked", async () => {
    const out = path.join(dir, "report");
    const result = await layout(["--proxy", "AegisEngine", "--new", "AegisEngineV2", "--out", out]);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(fs.readFileSync(`${out}.json`, "utf8")) as LayoutReport;
    expect(report.schema).to.equal("aegis.layout-report/1");
    const [target] = report.targets;
    expect(target!.current.layoutSource).to.equal("project-record");
    expect(target!.liveCheck?.slotsRead).to.equal(1);
    expect(target!.pass).to.equal(true);
    expect(fs.readFileSync(`${out}.md`, "utf8")).to.contain("| appended |");
  });

  it("fails CI on a broken variant given by proxy address", async () => {
    const record = readDeploymentRecord(
      path.join(dir, "localhost", "AegisEngine.json"),
      "localhost",
    );
    const result = await layout([
      "--proxy",
      record.proxy,
      "--new",
      "AegisEngineV2Retyped",
      "--json",
    ]);
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout) as LayoutReport;
    expect(report.targets[0]!.findings.map((f) => f.code)).to.include("LAYOUT-005");
  });

  it("reports several proxies at once, one known only to OpenZeppelin's manifest", async () => {
    // A UUPS engine deployed with its record elsewhere: this project's records do not name it.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-layout-other-"));
    try {
      const deployed = await runHardhat(
        ["aegis:deploy", "--network", "localhost", "--kind", "uups"],
        { ...env(), AEGIS_DEPLOYMENTS_DIR: elsewhere },
      );
      expect(deployed.code, deployed.stderr).to.equal(0);
      const uups = readDeploymentRecord(
        path.join(elsewhere, "localhost", "AegisEngine.json"),
        "localhost",
      );
      const out = path.join(elsewhere, "report");
      const result = await layout([
        "--proxy",
        `AegisEngine,${uups.proxy}`,
        "--new",
        "AegisEngineV2,AegisEngineUupsV2",
        "--json",
        "--out",
        out,
      ]);
      expect(result.code, result.stderr).to.equal(0);
      const report = JSON.parse(result.stdout) as LayoutReport;
      expect(report.targets.map((target) => target.current.layoutSource)).to.deep.equal([
        "project-record",
        "openzeppelin-manifest",
      ]);
      const [recorded, fromManifest] = report.targets;
      expect(fromManifest!.proxy).to.equal(uups.proxy);
      expect(fromManifest!.updated.contract).to.equal("AegisEngineUupsV2");
      // The manifest's layout is the deployed V1's: the same items as the record's.
      expect(fromManifest!.current.layoutHash).to.equal(recorded!.current.layoutHash);
      expect(report.targets.every((target) => target.pass)).to.equal(true);
      expect(fromManifest!.rows.filter((row) => row.verdict === "appended")).to.have.length(1);
      // The manifest keeps no ABI: the build's contract with the deployed code gives it, so the
      // ABI is compared here as for a recorded proxy.
      expect(fromManifest!.current.contract).to.equal("AegisEngineUupsV1");
      expect(fromManifest!.caveats).to.equal(undefined);
      expect(recorded!.caveats).to.equal(undefined);
      const markdown = fs.readFileSync(`${out}.md`, "utf8");
      expect(markdown).to.contain(`\n## ${uups.proxy}\n`);
      expect(markdown).to.contain(`\n## AegisEngine (${recorded!.proxy})\n`);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("compares with an earlier release's build-info file", async () => {
    const reference = path.join(dir, "release-1.json");
    fs.writeFileSync(reference, JSON.stringify(buildInfoHolding("AegisEngineV1")));
    // Built by another compiler: its namespaced slots stay unknown, and the report says why.
    const foreign = path.join(dir, "release-0.json");
    fs.writeFileSync(
      foreign,
      JSON.stringify({ ...buildInfoHolding("AegisEngineV1"), solcVersion: "0.8.27" }),
    );
    const out = path.join(dir, "foreign");
    const versions = ["--old", "AegisEngineV1", "--new", "AegisEngineV2"];
    // Three independent reports: run side by side.
    const [result, fromProject, fromForeign] = await Promise.all([
      layout(["--reference-build", reference, ...versions, "--json"]),
      layout([...versions, "--json"]),
      layout(["--reference-build", foreign, ...versions, "--out", out]),
    ]);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as LayoutReport;
    const [target] = report.targets;
    expect(target!.current.layoutSource).to.equal("reference-build");
    expect(target!.pass).to.equal(true);
    expect(target!.rows.filter((row) => row.verdict === "appended")).to.have.length(1);
    // Namespaced items get their slots too, as the project's own build gives them.
    const fromBuild = JSON.parse(fromProject.stdout) as LayoutReport;
    expect(target!.rows).to.deep.equal(fromBuild.targets[0]!.rows);
    expect(target!.rows.some((row) => row.current?.namespace !== undefined)).to.equal(true);
    expect(target!.caveats).to.equal(undefined);

    expect(fromForeign.code, fromForeign.stderr).to.equal(0);
    const foreignTarget = (JSON.parse(fs.readFileSync(`${out}.json`, "utf8")) as LayoutReport)
      .targets[0]!;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const installed = require("solc/package.json").version as string;
    expect(foreignTarget.caveats?.join(" ")).to.contain(
      `used solc 0.8.27, not the installed ${installed}`,
    );
    const namespaced = foreignTarget.rows.filter((row) => row.current?.namespace !== undefined);
    expect(namespaced.map((row) => row.current!.slot)).to.include("?");
    expect(fs.readFileSync(`${out}.md`, "utf8")).to.contain("- caveat: the reference build used");
  });

  it("exits 2 without a report, and 1 with the whole report when it finds a conflict", async () => {
    const accounts = (await rpc(node.url, "eth_accounts")) as string[];
    const out = path.join(dir, "mismatch");
    // Independent runs, each its own process: side by side.
    const [eoa, mismatch] = await Promise.all([
      layout(["--proxy", accounts[2]!, "--new", "AegisEngineV2", "--json"]),
      layout([
        "--old",
        "MismatchedNamespace",
        "--new",
        "MismatchedNamespace",
        "--json",
        "--out",
        out,
      ]),
    ]);
    expect(eoa.stderr).to.match(/^AEGIS-E305 /);
    expect(eoa.code).to.equal(2);
    expect(eoa.stdout).to.equal("");
    // A wrong ERC-7201 constant is a finding of the report, not a refusal: stdout is exactly
    // one JSON document, the same as the --out file, and the Markdown names the finding too.
    expect(mismatch.code, mismatch.stderr).to.equal(1);
    const report = JSON.parse(mismatch.stdout) as LayoutReport;
    expect(fs.readFileSync(`${out}.json`, "utf8")).to.equal(mismatch.stdout);
    const [target] = report.targets;
    expect(target!.findings.filter((f) => f.code.startsWith("LAYOUT"))).to.have.length(1);
    expect(target!.findings.find((f) => f.code === "LAYOUT-009")?.message).to.contain(
      "erc7201:aegis.test.Mismatched",
    );
    expect(target!.rows.length).to.be.greaterThan(0);
    expect(fs.readFileSync(`${out}.md`, "utf8")).to.contain("| LAYOUT-009 | conflict |");
  });
});
