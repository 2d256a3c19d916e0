import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { rpc } from "../helpers/local-node";
import {
  rehearsalReceiptSchema,
  type RehearsalReceipt,
} from "../../src/evm/rehearsal/rehearsal-receipt";

/** What identifies a chain's whole state: the latest block's number, hash and state root. */
async function chainFingerprint(url: string): Promise<unknown> {
  const block = (await rpc(url, "eth_getBlockByNumber", ["latest", false])) as {
    number: string;
    hash: string;
    stateRoot: string;
  };
  return { number: block.number, hash: block.hash, stateRoot: block.stateRoot };
}

describe("aegis:rehearse on forks of a real hardhat node", () => {
  let seeded: SeededNode;
  const receiptsDir = () => path.join(seeded.deploymentsDir, "localhost", "rehearsals");
  const receipts = (): RehearsalReceipt[] =>
    (fs.existsSync(receiptsDir()) ? fs.readdirSync(receiptsDir()) : []).map((name) =>
      rehearsalReceiptSchema.parse(
        JSON.parse(fs.readFileSync(path.join(receiptsDir(), name, "receipt.json"), "utf8")),
      ),
    );
  // The node plays a live network: localhost is not a development network in these tests.
  const live = { AEGIS_DEVELOPMENT_NETWORKS: "hardhat" };
  const rehearse = (engine: string, extra: string[] = []) =>
    seeded.hardhat(
      ["aegis:rehearse", "--fork-url", seeded.node.url, "--engine", engine, ...extra],
      live,
    );

  before(async () => {
    seeded = await startSeededNode();
  });
  after(() => seeded.stop());
  beforeEach(() => seeded.reset());

  it("rehearses forward and back on both engines with one plan hash, leaving the live node untouched", async () => {
    const before = await chainFingerprint(seeded.node.url);
    const recordBefore = fs.readFileSync(
      path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json"),
      "utf8",
    );
    for (const engine of ["anvil", "hardhat"]) {
      const result = await rehearse(engine);
      expect(result.code, result.stderr + result.stdout).to.equal(0);
      expect(result.stdout).to.contain("PASSED");
    }
    const [first, second] = receipts();
    expect([first!.engine, second!.engine].sort()).to.deep.equal(["anvil", "hardhat"]);
    expect(first!.planHash).to.equal(second!.planHash);
    for (const receipt of [first!, second!]) {
      expect(receipt.passed).to.equal(true);
      expect(receipt.forward.status).to.equal("completed");
      expect(receipt.back?.status).to.equal("rolled-back");
      expect(receipt.back?.verdicts.map((v) => v.step)).to.include.members([
        "back-storage",
        "back-invariants",
      ]);
      expect(receipt.forkBlock).to.be.a("number");
      expect(receipt.toRuntimeCodeHash).to.match(/^0x[0-9a-f]{64}$/);
    }
    expect(await chainFingerprint(seeded.node.url)).to.deep.equal(before);
    expect(
      fs.readFileSync(path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json"), "utf8"),
    ).to.equal(recordBefore);
  });

  it("lets the live upgrade of a non-development network start only with a passing receipt for its plan hash", async () => {
    const refused = await seeded.hardhat(["aegis:upgrade", "--yes"], live);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/^AEGIS-E330 /);

    expect((await rehearse("anvil")).code).to.equal(0);
    // Another plan (a different monitoring window changes the plan hash) is still refused.
    const otherPlan = await seeded.hardhat(
      ["aegis:upgrade", "--yes", "--monitor-blocks", "2"],
      live,
    );
    expect(otherPlan.code).to.equal(1);
    expect(otherPlan.stderr).to.match(/^AEGIS-E330 /);

    const upgraded = await seeded.hardhat(["aegis:upgrade", "--yes"], live);
    expect(upgraded.code, upgraded.stderr + upgraded.stdout).to.equal(0);
    expect(upgraded.stdout).to.contain("passed on the anvil fork");
  });

  it("records an override of the rehearsal requirement, loudly", async () => {
    const result = await seeded.hardhat(["aegis:upgrade", "--yes", "--without-rehearsal"], live);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.contain("WITHOUT a passing rehearsal");
    const runs = path.join(seeded.deploymentsDir, "localhost", "runs");
    const [runId] = fs.readdirSync(runs);
    expect(fs.readFileSync(path.join(runs, runId!, "report.md"), "utf8")).to.contain("OVERRIDDEN");
  });

  it("fails a broken variant with the same codes as the live run", async () => {
    const layout = await rehearse("anvil", ["--to", "AegisEngineV2Retyped"]);
    expect(layout.code).to.equal(1);
    expect(layout.stderr).to.match(/^AEGIS-E307 /);

    const corrupting = await rehearse("anvil", ["--to", "AegisEngineV2CorruptingReinitializer"]);
    expect(corrupting.code).to.equal(1);
    expect(corrupting.stderr).to.match(/^AEGIS-E151 .*invariants.*LU-3/);
    const [receipt] = receipts();
    expect(receipt!.passed).to.equal(false);
    expect(receipt!.forward.status).to.equal("rolled-back");
  });
});
