import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { rpc } from "../helpers/local-node";
import { startHardhat } from "../helpers/hardhat-cli";
import {
  createSafe,
  deploySafeInfrastructure,
  deployTimelock,
  projectArtifact,
} from "../helpers/governance-fixture";
import { safeNonce } from "../../src/evm/chain/safe-transaction";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { readOperationState, TIMELOCK_INTERFACE } from "../../src/evm/chain/timelock-operation";

const DELAY = 3600;
const engineAbi = projectArtifact("contracts/AegisEngineUupsV2.sol", "AegisEngineUupsV2").abi;

/**
 * A UUPS engine whose upgrade right (the admin role) belongs to a real TimelockController, with
 * account #0 (the CLI's signer) as its proposer and executor; the pauser role stays with #0, as a
 * guardian's would. The run schedules the upgrade, waits out the delay across processes, executes.
 */
describe("aegis:upgrade through a TimelockController", () => {
  let seeded: SeededNode;
  let provider: ethers.JsonRpcProvider;
  let timelock: string;
  let proxy: string;

  before(async () => {
    seeded = await startSeededNode(["--seed", "--kind", "uups"], async (node, records) => {
      const chain = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
      try {
        const [owner] = await chain.listAccounts();
        timelock = await deployTimelock(
          await chain.getSigner(5),
          DELAY,
          [owner!.address],
          [owner!.address],
        );
        proxy = readDeploymentRecord(
          path.join(records, "localhost", "AegisEngine.json"),
          "localhost",
        ).proxy;
        const engine = new ethers.Contract(proxy, engineAbi, owner);
        await (await engine.getFunction("grantRole")(ethers.ZeroHash, timelock)).wait();
        await (await engine.getFunction("renounceRole")(ethers.ZeroHash, owner!.address)).wait();
      } finally {
        chain.destroy();
      }
    });
    provider = new ethers.JsonRpcProvider(seeded.node.url, undefined, { staticNetwork: true });
  });
  after(async () => {
    provider?.destroy();
    await seeded?.stop();
  });
  afterEach(() => seeded.reset());

  const engine = () => new ethers.Contract(proxy, engineAbi, provider);
  const runIdOf = () => fs.readdirSync(path.join(seeded.deploymentsDir, "localhost", "runs"))[0]!;
  const journalOf = (runId: string) =>
    fs.readFileSync(
      path.join(seeded.deploymentsDir, "localhost", "runs", runId, "journal.jsonl"),
      "utf8",
    );
  /** The operation this run scheduled, from the timelock's own CallScheduled event. */
  async function scheduledOperation(): Promise<string> {
    const logs = await provider.getLogs({
      address: timelock,
      topics: [ethers.id("CallScheduled(bytes32,uint256,address,uint256,bytes,bytes32,uint256)")],
      fromBlock: 0,
    });
    expect(logs).to.have.length(1);
    return logs[0]!.topics[1]!;
  }

  it("schedules, is killed while waiting out the delay, and a resume executes the upgrade", async () => {
    const before = (await readProxyInfo(provider, proxy)).implementation;
    const first = await seeded.hardhat([
      "aegis:upgrade",
      "--yes",
      "--to",
      "AegisEngineUupsV2",
      "--no-wait",
    ]);
    expect(first.code, first.stderr + first.stdout).to.equal(3);
    expect(first.stdout).to.contain(`timelock ${timelock}: upgradeToAndCall`);
    const operation = await scheduledOperation();
    expect((await readOperationState(provider, timelock, operation)).state).to.equal("waiting");
    expect((await readProxyInfo(provider, proxy)).implementation).to.equal(before);
    expect(await engine().getFunction("paused")()).to.equal(true);
    const runId = runIdOf();

    // Resumed with --wait, it polls the timelock; killed while it does, nothing is lost.
    const waiting = startHardhat(
      ["aegis:upgrade", "--network", "localhost", "--resume", runId, "--wait", "10m"],
      { AEGIS_LOCALHOST_URL: seeded.node.url, AEGIS_DEPLOYMENTS_DIR: seeded.deploymentsDir },
    );
    const attemptsBefore = journalOf(runId)
      .split("\n")
      .filter((l) => l.includes('"STEP_STARTED"')).length;
    while (
      journalOf(runId)
        .split("\n")
        .filter((l) => l.includes('"STEP_STARTED"')).length <
      attemptsBefore + 2
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    process.kill(waiting.pid, "SIGKILL");
    await waiting.exited;
    expect((await readOperationState(provider, timelock, operation)).state).to.equal("waiting");

    await rpc(seeded.node.url, "evm_increaseTime", [DELAY]);
    await rpc(seeded.node.url, "evm_mine");
    const resumed = await seeded.hardhat(["aegis:upgrade", "--resume", runId]);
    expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
    expect((await readOperationState(provider, timelock, operation)).state).to.equal("done");
    const after = await readProxyInfo(provider, proxy);
    expect(after.implementation).to.not.equal(before);
    expect(await engine().getFunction("newFeatureEnabled")()).to.equal(1n);
    expect(await engine().getFunction("paused")()).to.equal(false);
    // The upgrade was made by the timelock: its execute transaction, sent to the timelock.
    const executed = journalOf(runId)
      .split("\n")
      .filter((line) => line.includes('"upgrade-tx-execute"') && line.includes('"EFFECT_INTENT"'));
    expect(executed).to.have.length(1);
    expect(executed[0]).to.contain(timelock);
    const report = fs.readFileSync(
      path.join(seeded.deploymentsDir, "localhost", "runs", runId, "report.md"),
      "utf8",
    );
    expect(report).to.contain(`timelock ${timelock}; operation ${operation}`);
    const record = readDeploymentRecord(
      path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json"),
      "localhost",
    );
    expect(record.current.contract).to.equal("AegisEngineUupsV2");
  });

  it("stops with AEGIS-E352 when the operation was cancelled, naming who may cancel and schedule; nothing more is sent", async () => {
    const first = await seeded.hardhat([
      "aegis:upgrade",
      "--yes",
      "--to",
      "AegisEngineUupsV2",
      "--no-wait",
    ]);
    expect(first.code, first.stderr + first.stdout).to.equal(3);
    const operation = await scheduledOperation();
    const [canceller] = await provider.listAccounts();
    const timelockContract = new ethers.Contract(timelock, TIMELOCK_INTERFACE, canceller);
    await (await timelockContract.getFunction("cancel")(operation)).wait();
    await rpc(seeded.node.url, "evm_increaseTime", [DELAY]);
    await rpc(seeded.node.url, "evm_mine");
    const blockBefore = await seeded.blockNumber();

    const resumed = await seeded.hardhat(["aegis:upgrade", "--resume", runIdOf()]);
    expect(resumed.code).to.equal(1);
    const printed = resumed.stdout + resumed.stderr;
    expect(printed).to.contain("AEGIS-E352");
    expect(printed).to.contain(`Cancellers: ${canceller!.address}`);
    // Not executed, not rolled back on a guess: the protocol stays paused for a person to decide.
    expect(await seeded.blockNumber()).to.equal(blockBefore);
    expect(await engine().getFunction("paused")()).to.equal(true);
  });

  it("a rollback while the upgrade waits cancels the scheduled operation and lifts the pause", async () => {
    const before = (await readProxyInfo(provider, proxy)).implementation;
    const first = await seeded.hardhat([
      "aegis:upgrade",
      "--yes",
      "--to",
      "AegisEngineUupsV2",
      "--no-wait",
    ]);
    expect(first.code, first.stderr + first.stdout).to.equal(3);
    const operation = await scheduledOperation();
    const back = await seeded.hardhat(["aegis:rollback", "--yes"]);
    expect(back.code, back.stderr + back.stdout).to.equal(0);
    // Cancelled: even after the delay no executor can make it any more.
    expect((await readOperationState(provider, timelock, operation)).state).to.equal("unset");
    expect(journalOf(runIdOf())).to.contain('"upgrade-tx-cancel"');
    expect((await readProxyInfo(provider, proxy)).implementation).to.equal(before);
    expect(await engine().getFunction("paused")()).to.equal(false);
  });

  it("rehearses the timelocked plan on a fork, jumping the fork's clock past the delay, forward and back", async () => {
    const blockBefore = await seeded.blockNumber();
    const rehearsal = await seeded.hardhat([
      "aegis:rehearse",
      "--fork-url",
      seeded.node.url,
      "--engine",
      "anvil",
      "--to",
      "AegisEngineUupsV2",
    ]);
    expect(rehearsal.code, rehearsal.stderr + rehearsal.stdout).to.equal(0);
    expect(rehearsal.stdout).to.contain("PASSED");
    expect(await seeded.blockNumber()).to.equal(blockBefore);
    const receipts = path.join(seeded.deploymentsDir, "localhost", "rehearsals");
    const receipt = JSON.parse(
      fs.readFileSync(path.join(receipts, fs.readdirSync(receipts)[0]!, "receipt.json"), "utf8"),
    ) as { forward: { verdicts: Array<{ step: string; figures: Record<string, unknown> }> } };
    const upgrade = receipt.forward.verdicts.find((verdict) => verdict.step === "upgrade")!;
    expect(upgrade.figures.timelock).to.equal(timelock);
    expect(String(upgrade.figures.operation)).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("a Safe behind a timelock: the Safe schedules (signed by local owners), the delay passes, the signer executes", async () => {
    const [owner, second, third] = await provider.listAccounts();
    const deployer = await provider.getSigner(5);
    const safe = await createSafe(
      await deploySafeInfrastructure(deployer),
      [owner!.address, second!.address, third!.address],
      2,
    );
    const governed = await deployTimelock(deployer, DELAY, [safe], [owner!.address]);
    // The first timelock hands the admin role to the Safe-governed one, as governance would.
    const first = new ethers.Contract(timelock, TIMELOCK_INTERFACE, owner);
    const roles = new ethers.Interface(engineAbi);
    const handOver = [
      roles.encodeFunctionData("grantRole", [ethers.ZeroHash, governed]),
      roles.encodeFunctionData("renounceRole", [ethers.ZeroHash, timelock]),
    ];
    for (const [index, data] of handOver.entries()) {
      const salt = ethers.id(`hand-over-${index}`);
      await (
        await first.getFunction("schedule")(proxy, 0, data, ethers.ZeroHash, salt, DELAY)
      ).wait();
    }
    await rpc(seeded.node.url, "evm_increaseTime", [DELAY]);
    await rpc(seeded.node.url, "evm_mine");
    for (const [index, data] of handOver.entries()) {
      const salt = ethers.id(`hand-over-${index}`);
      await (await first.getFunction("execute")(proxy, 0, data, ethers.ZeroHash, salt)).wait();
    }

    const started = await seeded.hardhat([
      "aegis:upgrade",
      "--yes",
      "--to",
      "AegisEngineUupsV2",
      "--sign-locally",
      "--no-wait",
    ]);
    expect(started.code, started.stderr + started.stdout).to.equal(3);
    expect(started.stdout).to.contain(`timelock ${governed}: upgradeToAndCall`);
    const runId = runIdOf();
    expect(journalOf(runId)).to.contain('"upgrade-tx-schedule-safe-exec"');
    expect(await safeNonce(provider, safe)).to.equal(1);

    await rpc(seeded.node.url, "evm_increaseTime", [DELAY]);
    await rpc(seeded.node.url, "evm_mine");
    const resumed = await seeded.hardhat(["aegis:upgrade", "--resume", runId, "--sign-locally"]);
    expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
    expect(await engine().getFunction("newFeatureEnabled")()).to.equal(1n);
    expect(await engine().getFunction("paused")()).to.equal(false);
    expect(journalOf(runId)).to.contain('"upgrade-tx-execute"');
  });
});
