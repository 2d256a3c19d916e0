import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rpc, startHardhatNode, type LocalNode } from "../helpers/local-node";
import { runHardhat } from "../helpers/hardhat-cli";
import { readDeploymentRecord } from "../../src/evm/deployment-record";
import type { LayoutReport } from "../../src/evm/layout-report";

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

  it("refuses bad input with codes", async () => {
    const accounts = (await rpc(node.url, "eth_accounts")) as string[];
    const eoa = await layout(["--proxy", accounts[2]!, "--new", "AegisEngineV2"]);
    expect(eoa.stderr).to.match(/^AEGIS-E305 /);
    expect(eoa.code).to.equal(1);
    const unknown = await layout(["--proxy", "AegisEngine", "--new", "AegisEngineV9"]);
    expect(unknown.stderr).to.match(/^AEGIS-E306 /);
    const mismatch = await layout(["--old", "AegisEngineV1", "--new", "MismatchedNamespace"]);
    expect(mismatch.stderr).to.match(/^AEGIS-E320 /);
    // A build-info without the storageLayout output, as a plain solc run would leave it.
    const infoDir = path.join(__dirname, "..", "..", "artifacts", "build-info");
    const buildInfo = fs
      .readdirSync(infoDir)
      .map((file) => JSON.parse(fs.readFileSync(path.join(infoDir, file), "utf8")))
      .find((info) => JSON.stringify(Object.keys(info.output.contracts)).includes("AegisEngineV1"));
    for (const contracts of Object.values(buildInfo.output.contracts) as Record<
      string,
      { storageLayout?: unknown }
    >[]) {
      for (const contract of Object.values(contracts)) delete contract.storageLayout;
    }
    const stripped = path.join(dir, "no-layout.json");
    fs.writeFileSync(stripped, JSON.stringify(buildInfo));
    const noLayout = await layout([
      "--reference-build",
      stripped,
      "--old",
      "AegisEngineV1",
      "--new",
      "AegisEngineV2",
    ]);
    expect(noLayout.stderr).to.match(/^AEGIS-E321 /);
    expect(noLayout.code).to.equal(1);
  });
});
