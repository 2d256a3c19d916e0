import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import { freePort, rpc, startHardhatNode, type LocalNode } from "../helpers/local-node";
import { runHardhat } from "../helpers/hardhat-cli";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readBook } from "../../src/aegis/book";
import { checkBook } from "../../src/aegis/invariants";

describe("aegis:deploy against a real hardhat node", () => {
  let node: LocalNode;
  let deploymentsDir: string;
  const env = () => ({ AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: deploymentsDir });
  const recordPath = () => path.join(deploymentsDir, "localhost", "AegisEngine.json");
  const blockNumber = async () =>
    Number(BigInt((await rpc(node.url, "eth_blockNumber")) as string));

  before(async () => {
    node = await startHardhatNode();
  });
  after(async () => {
    await node.stop();
  });
  beforeEach(() => {
    deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-deploy-"));
  });
  afterEach(() => fs.rmSync(deploymentsDir, { recursive: true, force: true }));

  it("deploys V1 behind a transparent proxy, seeds the book and writes the record", async () => {
    const result = await runHardhat(["aegis:deploy", "--network", "localhost", "--seed"], env());
    expect(result.code, result.stderr).to.equal(0);
    const record = readDeploymentRecord(recordPath(), "localhost");
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    try {
      expect(record.chainId).to.equal(31337);
      expect(record.owner).to.equal(
        ethers.getAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
      );
      expect(record.current.bytecodeHash).to.equal(
        ethers.keccak256(await provider.getCode(record.current.implementation)),
      );
      const implSlot = await provider.getStorage(
        record.proxy,
        "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
      );
      expect(ethers.getAddress(ethers.dataSlice(implSlot, 12))).to.equal(
        record.current.implementation,
      );
      expect(record.layout.contract).to.equal("AegisEngineV1");
      const book = await readBook(provider, {
        proxy: record.proxy,
        token0: record.tokens.token0!,
        token1: record.tokens.token1!,
        fromBlock: record.deployedAt.block,
      });
      expect(Object.keys(book.vaults)).to.have.length(4);
      expect(Object.keys(book.lenders)).to.have.length(5);
      expect(checkBook(book).filter((r) => !r.holds)).to.deep.equal([]);
    } finally {
      provider.destroy();
    }
  });

  it("refuses an invalid --owner with AEGIS-E301 and sends nothing", async () => {
    const before = await blockNumber();
    const result = await runHardhat(
      ["aegis:deploy", "--network", "localhost", "--owner", "0x1234"],
      env(),
    );
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^AEGIS-E301 .*\n {2}hint: /);
    expect(await blockNumber()).to.equal(before);
    expect(fs.existsSync(recordPath())).to.equal(false);
  });

  it("refuses an unreachable RPC with AEGIS-E300", async () => {
    const closedPort = await freePort();
    const result = await runHardhat(["aegis:deploy", "--network", "localhost"], {
      ...env(),
      AEGIS_LOCALHOST_URL: `http://127.0.0.1:${closedPort}`,
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain("AEGIS-E300");
    expect(fs.existsSync(recordPath())).to.equal(false);
  });

  it("refuses to overwrite a live network's record without --force (AEGIS-E302)", async () => {
    const live = { ...env(), AEGIS_DEVELOPMENT_NETWORKS: "hardhat" };
    fs.mkdirSync(path.dirname(recordPath()), { recursive: true });
    fs.writeFileSync(recordPath(), '{"kept":true}\n');
    const before = await blockNumber();
    const refused = await runHardhat(["aegis:deploy", "--network", "localhost"], live);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain("AEGIS-E302");
    expect(fs.readFileSync(recordPath(), "utf8")).to.equal('{"kept":true}\n');
    expect(await blockNumber()).to.equal(before);

    const seeding = await runHardhat(
      ["aegis:deploy", "--network", "localhost", "--seed", "--force"],
      live,
    );
    expect(seeding.stderr).to.contain("AEGIS-E311");

    const forced = await runHardhat(["aegis:deploy", "--network", "localhost", "--force"], live);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(readDeploymentRecord(recordPath(), "localhost").name).to.equal("AegisEngine");
  });
});
