import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { PROJECT_ROOT, hardhatNodeArgs, rpc } from "../helpers/local-node";
import type { CliResult } from "../helpers/hardhat-cli";
import { useAutomine, useIntervalMining } from "../helpers/interval-mining";
import { readDeploymentRecord, type DeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { AegisEngineV1__factory } from "../../typechain-types";

const UPGRADED_TOPIC = ethers.id("Upgraded(address)");
/** Hardhat's account #0: it deployed the protocol, owns the ProxyAdmin, is the pauser, signs every run. */
const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/** One journal line, as much of it as these tests read. */
interface JournalLine {
  type: string;
  step?: string;
  scope?: string;
  key?: string;
  result?: string;
  reason?: string;
  mode?: string;
  output?: { address?: string };
}

/**
 * Ctrl-C (and SIGTERM) at every kind of moment of a real `aegis:upgrade` on a node that mines a
 * block a second, as a live chain does, followed by what a user does next. After each sequence
 * the chain is read, not the runs' belief: whether the protocol is paused (and the output says
 * why when it is), which implementation it runs, how many Upgraded events it emitted, and that
 * every transaction the signer sent is one a journal accounts for, exactly once.
 */
/** The moments a signal lands, one test file each so the three run in parallel workers. */
export type InterruptMoment = "before-upgrade" | "at-upgrade" | "after-upgrade";

/** The interrupt suite's tests for one moment, each starting from the seeded chain. */
export function describeInterrupted(moment: InterruptMoment): void {
  describe(`aegis:upgrade interrupted by a signal (${moment}), on a node with interval mining`, () => {
    let seeded: SeededNode;
    let provider: ethers.JsonRpcProvider;
    let v1: DeploymentRecord;
    let nonceBefore: number;
    /** Transactions sent by the test itself as the owner (someone acting outside the toolkit). */
    let sentOutside: number;

    const recordPath = () => path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json");
    const record = (): DeploymentRecord => readDeploymentRecord(recordPath(), "localhost");
    const runsDir = () => path.join(seeded.deploymentsDir, "localhost", "runs");
    const runIds = () => (fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()) : []);
    const journalPath = (runId: string) => path.join(runsDir(), runId, "journal.jsonl");
    const journal = (runId: string): JournalLine[] =>
      fs
        .readFileSync(journalPath(runId), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as JournalLine);
    const reportStatus = (runId: string) =>
      (
        JSON.parse(fs.readFileSync(path.join(runsDir(), runId, "report.json"), "utf8")) as {
          run: { status: string };
        }
      ).run.status;
    // Straight to the node: ethers would hand back a count it read a moment ago, before a reset.
    const pendingNonce = async () =>
      Number(await rpc(seeded.node.url, "eth_getTransactionCount", [OWNER, "pending"]));
    const engine = () => AegisEngineV1__factory.connect(v1.proxy, provider);
    const ownerEngine = async () =>
      AegisEngineV1__factory.connect(v1.proxy, await provider.getSigner(OWNER));

    /** `aegis:upgrade --yes` with the process sending itself signals at the given engine events. */
    const upgrade = (signalAt: string | undefined, ...args: string[]) =>
      seeded.hardhat(
        ["aegis:upgrade", "--yes", ...args],
        signalAt === undefined ? {} : { AEGIS_SIGNAL_AT: signalAt },
      );

    /** The run a command started or acted on, as its output names it. */
    const runIdOf = (result: CliResult): string => {
      const match = /runs\/([^/\s]+)\/report\.md/.exec(result.stdout + result.stderr);
      expect(match, `no report named in:\n${result.stdout}\n${result.stderr}`).to.not.equal(null);
      return match![1]!;
    };

    /** Runs a command exactly as the output printed it after `label` (what a user copies). */
    const runPrinted = (
      result: CliResult,
      label: string,
      options: { extra?: string[]; signalAt?: string } = {},
    ) => {
      const match = new RegExp(`^${label}:\\s+npx hardhat (.+)$`, "m").exec(result.stdout);
      expect(match, `no "${label}" command in:\n${result.stdout}`).to.not.equal(null);
      const args = match![1]!.split(" ");
      const network = args.indexOf("--network");
      expect(args[network + 1]).to.equal("localhost");
      args.splice(network, 2);
      return seeded.hardhat(
        [...args, ...(options.extra ?? [])],
        options.signalAt === undefined ? {} : { AEGIS_SIGNAL_AT: options.signalAt },
      );
    };

    /** The implementation a run deployed (or reused), from its journal. */
    const installedBy = (runId: string): string => {
      const line = journal(runId).find(
        (entry) =>
          entry.type === "STEP_COMPLETED" && entry.step?.endsWith("#deploy-implementation"),
      );
      expect(line?.output?.address, `run ${runId} installed nothing`).to.be.a("string");
      return line!.output!.address!;
    };

    /** Every transaction effect of a run whose outcome is journaled, as `scope step key`. */
    const journaledTransactions = (runId: string): string[] =>
      journal(runId)
        .filter(
          (line) =>
            line.type === "EFFECT_OUTCOME" ||
            (line.type === "EFFECT_RECONCILED" && line.result === "applied"),
        )
        .map(
          (line) => `${line.scope} ${line.step!.slice(line.step!.indexOf("#") + 1)} ${line.key}`,
        );

    /** Intents journaled without an outcome: a transaction the run left in flight. */
    const unsettledIntents = (runId: string): string[] => {
      const settled = new Set(
        journal(runId)
          .filter((line) =>
            ["EFFECT_OUTCOME", "EFFECT_FAILED", "EFFECT_RECONCILED"].includes(line.type),
          )
          .map((line) => `${line.scope} ${line.step} ${line.key}`),
      );
      return journal(runId)
        .filter((line) => line.type === "EFFECT_INTENT")
        .map((line) => `${line.scope} ${line.step} ${line.key}`)
        .filter((intent) => !settled.has(intent));
    };

    const upgradedEvents = async () =>
      (
        await provider.getLogs({
          address: v1.proxy,
          topics: [UPGRADED_TOPIC],
          fromBlock: v1.deployedAt.block + 1,
          toBlock: "latest",
        })
      ).length;

    /** The line `aegis:status` prints for a run. */
    const statusLine = (status: CliResult, runId: string) =>
      status.stdout.split("\n").find((line) => line.startsWith(`${runId}  `));
    const statusPrefix = (runId: string, done: number) =>
      `${runId}  localhost ${ethers.getAddress(v1.proxy)}  ${done}/10 steps  `;

    /** An interrupted run's journal: its last stop journaled before `before`, nothing in flight. */
    function expectInterruptedJournal(
      runId: string,
      reason: string,
      before: string,
      mode: "forward" | "rollback" = "forward",
    ) {
      const interruption = journal(runId)
        .filter((line) => line.type === "RUN_INTERRUPTED")
        .at(-1);
      expect(interruption, "RUN_INTERRUPTED journaled").to.include({ reason, mode });
      expect(interruption?.step).to.match(new RegExp(`#${before}$`));
      expect(unsettledIntents(runId), "transactions left in flight").to.deep.equal([]);
    }

    /** A run stopped before the upgrade was sent: it undid its pause and says so; exit 1. */
    function expectUndoneBeforeUpgrade(result: CliResult, reason = "SIGINT", out = result.stdout) {
      expect(result.code, result.stderr + result.stdout).to.equal(1);
      expect(out).to.contain(
        `Interrupted (${reason}) before the upgrade was sent: the run undid what it had done. The protocol is not paused; the proxy points at AegisEngineV1 (${v1.current.implementation}).`,
      );
      expect(reportStatus(runIdOf(result))).to.equal("rolled-back");
    }

    /** A run stopped after the upgrade was entered: paused by it, the way on printed; exit 3. */
    function expectStoppedAfterUpgradeEntered(
      result: CliResult,
      before: string,
      protocol: "PAUSED by this run" | "not paused",
      reason = "SIGINT",
    ) {
      expect(result.code, result.stderr + result.stdout).to.equal(3);
      const runId = runIdOf(result);
      expect(result.stdout).to.contain(
        `Interrupted (${reason}) before ${before}: nothing is in flight and the journal is complete. The protocol is ${protocol}; the proxy points at AegisEngineV2 (${installedBy(runId)}).`,
      );
      expect(result.stdout).to.contain(
        `Finish it: npx hardhat aegis:upgrade --network localhost --resume ${runId}\n`,
      );
      expect(result.stdout).to.match(
        new RegExp(
          `^Undo it:\\s+npx hardhat aegis:rollback --network localhost --run ${runId}$`,
          "m",
        ),
      );
      expect(reportStatus(runId)).to.equal("interrupted");
      expectInterruptedJournal(runId, reason, before);
    }

    /** A command that refused: its code on stderr's first line, exit 1, nothing sent. */
    async function expectRefused(result: CliResult, code: string, nonce: number) {
      expect(result.code, result.stderr + result.stdout).to.equal(1);
      expect(result.stderr.trim().split("\n")[0]).to.match(new RegExp(`^${code} `));
      expect(await pendingNonce(), "a refused command sent a transaction").to.equal(nonce);
    }

    /**
     * What the user checks at the end of a sequence, on the chain: the implementation (the one the
     * last successful run left, never undone by another), the exact number of Upgraded events,
     * every transaction accounted for by a journal, and the pause: none, or the one the last
     * command's output named (`paused`).
     */
    async function expectChain(expected: {
      implementation: string;
      upgradedEvents: number;
      paused?: { output: string; says: string };
    }) {
      const info = await readProxyInfo(provider, v1.proxy);
      expect(info.implementation).to.equal(expected.implementation);
      expect(record().current.implementation, "the record follows the chain").to.equal(
        expected.implementation,
      );
      expect(await upgradedEvents(), "Upgraded events").to.equal(expected.upgradedEvents);
      const sent = (await pendingNonce()) - nonceBefore - sentOutside;
      expect(sent, "transactions sent vs journaled").to.equal(
        runIds().flatMap(journaledTransactions).length,
      );
      const paused = await engine().paused();
      if (expected.paused === undefined) {
        expect(paused, "the protocol is left paused").to.equal(false);
      } else {
        expect(paused).to.equal(true);
        expect(expected.paused.output).to.contain(expected.paused.says);
      }
    }

    /**
     * Starts `aegis:upgrade --yes --json` itself and sends it `signal` from outside, as a person's
     * Ctrl-C does, as soon as its event stream shows `when` (the JSON lines are the only place a
     * sent transaction shows before its receipt).
     */
    async function upgradeSignalledFromOutside(
      when: (event: { type?: string; key?: string }) => boolean,
      signal: NodeJS.Signals,
    ): Promise<CliResult & { signalled: boolean }> {
      const child = spawn(
        process.execPath,
        hardhatNodeArgs(["aegis:upgrade", "--yes", "--json", "--network", "localhost"]),
        {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
            AEGIS_LOCALHOST_URL: seeded.node.url,
            AEGIS_DEPLOYMENTS_DIR: seeded.deploymentsDir,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      let signalled = false;
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (signalled) return;
        for (const line of stdout.split("\n").slice(0, -1)) {
          if (!line.startsWith("{") || !when(JSON.parse(line) as { type?: string; key?: string }))
            continue;
          signalled = true;
          process.kill(child.pid as number, signal);
          break;
        }
      });
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { code, stdout, stderr, signalled };
    }

    before(async () => {
      seeded = await startSeededNode();
      provider = new ethers.JsonRpcProvider(seeded.node.url, undefined, {
        staticNetwork: true,
        // The test's own transactions are seen mined a block (1 s) after sending, not ethers' 4 s.
        pollingInterval: 100,
      });
    });
    after(async () => {
      provider?.destroy();
      await seeded?.stop();
    });
    beforeEach(async () => {
      await seeded.reset();
      v1 = record();
      nonceBefore = await pendingNonce();
      sentOutside = 0;
      await useIntervalMining(seeded.node.url, 1000);
    });
    // Back to automine before the next test's evm_revert, so the reset state is exact.
    afterEach(() => useAutomine(seeded.node.url));

    if (moment === "before-upgrade")
      describe("before the upgrade is sent: the run undoes its pause and exits 1", () => {
        it("pause, before its transaction: the transaction is finished, then undone; status says so and flags nothing", async () => {
          const stopped = await upgrade("effect.intent:pause-tx");
          expectUndoneBeforeUpgrade(stopped);
          expect(stopped.stderr).to.contain("SIGINT: stopping at the next safe point");
          const runId = runIdOf(stopped);
          expectInterruptedJournal(runId, "SIGINT", "snapshot");
          expect(journaledTransactions(runId)).to.deep.equal([
            "run pause pause-tx",
            "rollback pause unpause-tx",
          ]);

          const status = await seeded.hardhat(["aegis:status"]);
          expect(status.code, status.stderr).to.equal(0);
          expect(statusLine(status, runId)).to.equal(
            `${statusPrefix(runId, 2)}rolled back after an interruption`,
          );
          expect(status.stdout).to.not.contain("UNFINISHED");
          await expectChain({ implementation: v1.current.implementation, upgradedEvents: 0 });
        });

        it("pause, while its transaction waits for its block (Ctrl-C from outside): finished, then undone", async () => {
          const stopped = await upgradeSignalledFromOutside(
            (event) => event.type === "effect.note" && event.key === "pause-tx",
            "SIGINT",
          );
          expect(stopped.signalled, "the pause transaction was never sent").to.equal(true);
          // With --json, stdout is events only: the lines for people go to stderr.
          expectUndoneBeforeUpgrade(stopped, "SIGINT", stopped.stderr);
          const runId = runIdOf(stopped);
          expectInterruptedJournal(runId, "SIGINT", "snapshot");
          expect(journaledTransactions(runId)).to.deep.equal([
            "run pause pause-tx",
            "rollback pause unpause-tx",
          ]);
          await expectChain({ implementation: v1.current.implementation, upgradedEvents: 0 });
        });

        for (const { point, before, sent } of [
          {
            point: "effect.applied:pause-tx",
            before: "snapshot",
            sent: ["run pause pause-tx", "rollback pause unpause-tx"],
          },
          {
            point: "effect.intent:create-tx",
            before: "upgrade",
            sent: [
              "run pause pause-tx",
              "run deploy-implementation create-tx",
              "rollback pause unpause-tx",
            ],
          },
        ]) {
          it(`${point}: stops before ${before}, undoes the pause, keeps V1`, async () => {
            const stopped = await upgrade(point);
            expectUndoneBeforeUpgrade(stopped);
            const runId = runIdOf(stopped);
            expectInterruptedJournal(runId, "SIGINT", before);
            expect(journaledTransactions(runId)).to.deep.equal(sent);
            await expectChain({ implementation: v1.current.implementation, upgradedEvents: 0 });
          });
        }

        it("deploy-implementation, after its receipt, then a second SIGINT once the rollback began: it stops before undoing the pause (exit 3); abandoned, a new run takes the pause over and lifts it", async () => {
          const stopped = await upgrade(
            "effect.applied:create-tx,rollback.step-skipped:deploy-implementation",
          );
          expect(stopped.code, stopped.stderr + stopped.stdout).to.equal(3);
          expect(stopped.stderr).to.contain(
            "SIGINT again: stopping as soon as the journal is consistent",
          );
          const runId = runIdOf(stopped);
          expect(stopped.stdout).to.contain(
            `Interrupted (SIGINT) during its rollback before pause: nothing is in flight and the journal is complete. The protocol is PAUSED by this run; the proxy points at AegisEngineV1 (${v1.current.implementation}).`,
          );
          expect(stopped.stdout).to.contain(
            `Finish it: npx hardhat aegis:rollback --network localhost --run ${runId}\n`,
          );
          expect(reportStatus(runId)).to.equal("interrupted");
          expectInterruptedJournal(runId, "SIGINT", "pause", "rollback");
          expect(journaledTransactions(runId)).to.deep.equal([
            "run pause pause-tx",
            "run deploy-implementation create-tx",
          ]);
          expect(await engine().paused()).to.equal(true);

          const status = await seeded.hardhat(["aegis:status"]);
          expect(statusLine(status, runId)).to.equal(
            `${statusPrefix(runId, 5)}interrupted (SIGINT) during its rollback before pause  [UNFINISHED]`,
          );

          const abandoned = await seeded.hardhat([
            "aegis:abandon",
            "--run",
            runId,
            "--yes",
            "--reason",
            "operator went home",
          ]);
          expect(abandoned.code, abandoned.stderr + abandoned.stdout).to.equal(0);
          expect(abandoned.stdout).to.contain(`Run ${runId} is abandoned`);
          expect(abandoned.stdout).to.contain("The protocol is PAUSED by this run");
          expect(reportStatus(runId)).to.equal("abandoned");

          const fresh = await upgrade(undefined);
          expect(fresh.code, fresh.stderr + fresh.stdout).to.equal(0);
          expect(fresh.stdout).to.match(
            new RegExp(
              `^ {2}✔ pause +already paused by run ${runId} of this toolkit \\(abandoned\\)`,
              "m",
            ),
          );
          expect(fresh.stdout).to.contain("Upgrade complete.");
          expect(journaledTransactions(runIdOf(fresh))).to.deep.equal([
            "run deploy-implementation create-tx",
            "run upgrade upgrade-tx",
            "run unpause unpause-tx",
          ]);
          await expectChain({ implementation: installedBy(runIdOf(fresh)), upgradedEvents: 1 });
        });

        it("snapshot (a read-only step) with the protocol paused by its pauser: the run keeps that pause; a new run says LEFT PAUSED", async () => {
          await (await (await ownerEngine()).pause()).wait();
          sentOutside += 1;

          const stopped = await upgrade("step.started:snapshot");
          expect(stopped.code, stopped.stderr + stopped.stdout).to.equal(1);
          expect(stopped.stdout).to.match(
            /^ {2}! pause +ALREADY PAUSED by someone other than this toolkit/m,
          );
          expect(stopped.stdout).to.contain(
            "Interrupted (SIGINT) before the upgrade was sent: the run undid what it had done. The protocol is PAUSED (not by this run)",
          );
          expectInterruptedJournal(runIdOf(stopped), "SIGINT", "record-invariants");
          expect(journaledTransactions(runIdOf(stopped))).to.deep.equal([]);
          expect(await engine().paused(), "the pauser's pause was lifted").to.equal(true);

          // The rolled-back run blocks nothing.
          const fresh = await upgrade(undefined);
          expect(fresh.code, fresh.stderr + fresh.stdout).to.equal(0);
          expect(fresh.stdout).to.match(
            /^ {2}! pause +ALREADY PAUSED by someone other than this toolkit/m,
          );
          expect(fresh.stdout).to.match(/^ {2}! unpause +LEFT PAUSED/m);
          expect(fresh.stdout).to.contain("Upgrade complete.");
          await expectChain({
            implementation: installedBy(runIdOf(fresh)),
            upgradedEvents: 1,
            paused: { output: fresh.stdout, says: "LEFT PAUSED: someone other than this toolkit" },
          });
        });

        it("deploy-implementation, while its transaction waits, with --no-auto-rollback: left PAUSED by the run (exit 3); --resume goes on from there without deploying again", async () => {
          const stopped = await upgrade("effect.note:create-tx", "--no-auto-rollback");
          expect(stopped.code, stopped.stderr + stopped.stdout).to.equal(3);
          const runId = runIdOf(stopped);
          expect(stopped.stdout).to.contain(
            `Interrupted (SIGINT) before upgrade: nothing is in flight and the journal is complete. The protocol is PAUSED by this run; the proxy points at AegisEngineV1 (${v1.current.implementation}).`,
          );
          expect(reportStatus(runId)).to.equal("interrupted");
          expectInterruptedJournal(runId, "SIGINT", "upgrade");

          const resumed = await runPrinted(stopped, "Finish it");
          expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
          expect(resumed.stdout).to.contain("Upgrade complete.");
          expect(reportStatus(runId)).to.equal("completed");
          expect(journaledTransactions(runId)).to.deep.equal([
            "run pause pause-tx",
            "run deploy-implementation create-tx",
            "run upgrade upgrade-tx",
            "run unpause unpause-tx",
          ]);
          await expectChain({ implementation: installedBy(runId), upgradedEvents: 1 });
        });
      });

    if (moment === "at-upgrade")
      describe("once the upgrade is entered: the run stops PAUSED (or waiting) and exits 3", () => {
        it("upgrade, before its transaction, then verify-storage and unpause on resumes: UNFINISHED in status, new runs refused (AEGIS-E333), the last resume upgrades once", async () => {
          const stopped = await upgrade("effect.intent:upgrade-tx");
          expectStoppedAfterUpgradeEntered(stopped, "invariants", "PAUSED by this run");
          const runId = runIdOf(stopped);
          expect(await engine().paused()).to.equal(true);

          const status = await seeded.hardhat(["aegis:status"]);
          expect(status.code, status.stderr).to.equal(0);
          expect(statusLine(status, runId)).to.equal(
            `${statusPrefix(runId, 6)}interrupted (SIGINT) before invariants  [UNFINISHED]`,
          );

          let nonce = await pendingNonce();
          const fresh = await upgrade(undefined);
          await expectRefused(fresh, "AEGIS-E333", nonce);
          expect(fresh.stderr.split("\n")[0]).to.contain(`run ${runId}`);
          expect(fresh.stdout, "a plan was shown").to.not.match(/AEGIS upgrade|plan aegis/);
          expect(runIds()).to.deep.equal([runId]);

          // A resume interrupted in turn, during a read-only step.
          const again = await runPrinted(stopped, "Finish it", {
            signalAt: "step.started:verify-storage",
          });
          expectStoppedAfterUpgradeEntered(again, "unpause", "PAUSED by this run");

          // And again while the unpause is about to be sent: it is sent, the run stops after it.
          const third = await runPrinted(again, "Finish it", {
            signalAt: "effect.intent:unpause-tx",
          });
          expectStoppedAfterUpgradeEntered(third, "monitor", "not paused");

          nonce = await pendingNonce();
          const dryRun = await seeded.hardhat(["aegis:upgrade", "--dry-run"]);
          await expectRefused(dryRun, "AEGIS-E333", nonce);
          expect(dryRun.stdout, "a plan was shown").to.not.match(/AEGIS upgrade|plan aegis/);

          const resumed = await runPrinted(third, "Finish it");
          expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
          expect(resumed.stdout).to.contain("Upgrade complete.");
          expect(reportStatus(runId)).to.equal("completed");
          expect(journaledTransactions(runId)).to.deep.equal([
            "run pause pause-tx",
            "run deploy-implementation create-tx",
            "run upgrade upgrade-tx",
            "run unpause unpause-tx",
          ]);
          await expectChain({ implementation: installedBy(runId), upgradedEvents: 1 });
        });

        it("upgrade, while its transaction waits (SIGTERM): stops PAUSED; aegis:rollback asks, then undoes it with --yes", async () => {
          const stopped = await upgrade("SIGTERM@effect.note:upgrade-tx");
          expect(stopped.stderr).to.contain("SIGTERM: stopping at the next safe point");
          expectStoppedAfterUpgradeEntered(stopped, "invariants", "PAUSED by this run", "SIGTERM");
          const runId = runIdOf(stopped);

          const nonce = await pendingNonce();
          await expectRefused(
            await seeded.hardhat(["aegis:rollback", "--run", runId]),
            "AEGIS-E318",
            nonce,
          );

          const rolled = await runPrinted(stopped, "Undo it", { extra: ["--yes"] });
          expect(rolled.code, rolled.stderr + rolled.stdout).to.equal(0);
          expect(rolled.stdout).to.contain(
            `Rolled back. The protocol is not paused; the proxy points at AegisEngineV1 (${v1.current.implementation}).`,
          );
          expect(reportStatus(runId)).to.equal("rolled-back");
          // One Upgraded for the upgrade, one for the downgrade.
          await expectChain({ implementation: v1.current.implementation, upgradedEvents: 2 });
        });

        it("upgrade, after its receipt, then the owner unpauses by hand: --resume refuses with AEGIS-E335 sending nothing; abandon", async () => {
          const stopped = await upgrade("effect.applied:upgrade-tx");
          expectStoppedAfterUpgradeEntered(stopped, "invariants", "PAUSED by this run");
          const runId = runIdOf(stopped);
          const installed = installedBy(runId);

          // Someone acts outside the toolkit between the interruption and the resume.
          await (await (await ownerEngine()).unpause()).wait();
          sentOutside += 1;

          const journalBefore = fs.readFileSync(journalPath(runId), "utf8");
          const nonce = await pendingNonce();
          const resumed = await runPrinted(stopped, "Finish it");
          await expectRefused(resumed, "AEGIS-E335", nonce);
          expect(resumed.stderr).to.match(
            new RegExp(
              `^AEGIS-E335 .*run ${runId}.*paused: the journal says true, the protocol is not paused`,
            ),
          );
          expect(fs.readFileSync(journalPath(runId), "utf8"), "a refused resume wrote").to.equal(
            journalBefore,
          );

          const abandoned = await seeded.hardhat([
            "aegis:abandon",
            "--run",
            runId,
            "--yes",
            "--reason",
            "unpaused by hand",
          ]);
          expect(abandoned.code, abandoned.stderr + abandoned.stdout).to.equal(0);
          expect(abandoned.stdout).to.contain(
            `The protocol is not paused; the proxy points at AegisEngineV2 (${installed}).`,
          );
          expect(reportStatus(runId)).to.equal("abandoned");
          await expectChain({ implementation: installed, upgradedEvents: 1 });
        });
      });

    if (moment === "after-upgrade")
      describe("at the unpause and the monitor: the run stops (or waits) and exits 3", () => {
        it("unpause, while its transaction waits: abandoned; the abandoned run blocks nothing, and V2's reinitializer is not run twice", async () => {
          const stopped = await upgrade("effect.note:unpause-tx");
          expectStoppedAfterUpgradeEntered(stopped, "monitor", "not paused");
          const runId = runIdOf(stopped);

          const abandoned = await seeded.hardhat([
            "aegis:abandon",
            "--run",
            runId,
            "--yes",
            "--reason",
            "monitored by hand",
          ]);
          expect(abandoned.code, abandoned.stderr + abandoned.stdout).to.equal(0);
          expect(reportStatus(runId)).to.equal("abandoned");

          // Not AEGIS-E333: the abandoned run holds nothing. V2 is already live, so the default
          // upgrade (V2 with initializeV2) is refused before anything is sent.
          const nonce = await pendingNonce();
          await expectRefused(await upgrade(undefined), "AEGIS-E319", nonce);
          await expectChain({ implementation: installedBy(runId), upgradedEvents: 1 });
        });

        it("unpause, after its receipt: the run stops before monitor, unpaused; aegis:rollback --yes pauses again, downgrades and unpauses", async () => {
          const stopped = await upgrade("effect.applied:unpause-tx");
          expectStoppedAfterUpgradeEntered(stopped, "monitor", "not paused");
          const runId = runIdOf(stopped);

          const rolled = await runPrinted(stopped, "Undo it", { extra: ["--yes"] });
          expect(rolled.code, rolled.stderr + rolled.stdout).to.equal(0);
          expect(journaledTransactions(runId)).to.deep.equal([
            "run pause pause-tx",
            "run deploy-implementation create-tx",
            "run upgrade upgrade-tx",
            "run unpause unpause-tx",
            "rollback unpause repause-tx",
            "rollback upgrade downgrade-tx",
            "rollback pause unpause-tx",
          ]);
          expect(reportStatus(runId)).to.equal("rolled-back");
          await expectChain({ implementation: v1.current.implementation, upgradedEvents: 2 });
        });

        it("the monitor's wait for its blocks (--monitor-blocks 3): Ctrl-C leaves the run waiting; --no-wait does not wait; once the blocks pass, --resume completes", async () => {
          // Blocks come only when the test mines them (or a transaction is sent): with a block
          // every second, the blocks the monitor waits for could pass before --no-wait looks.
          await useAutomine(seeded.node.url);
          const stopped = await upgrade("step.waiting:monitor", "--monitor-blocks", "3");
          expect(stopped.code, stopped.stderr + stopped.stdout).to.equal(3);
          const runId = runIdOf(stopped);
          const waiting = new RegExp(
            `^Waiting: \\d more block\\(s\\) to watch \\(until block \\d+\\)\\. The protocol is not paused; the proxy points at AegisEngineV2 \\(${installedBy(runId)}\\)\\.$`,
            "m",
          );
          expect(stopped.stdout).to.match(waiting);
          expect(stopped.stdout).to.contain(
            `Go on watching: npx hardhat aegis:upgrade --network localhost --resume ${runId}\n`,
          );
          expect(reportStatus(runId)).to.equal("waiting");
          expect(journal(runId).filter((line) => line.type === "RUN_INTERRUPTED")).to.have.length(
            1,
          );

          // No block comes until the test mines them: --no-wait looks once and leaves it waiting.
          const looked = await runPrinted(stopped, "Go on watching", { extra: ["--no-wait"] });
          expect(looked.code, looked.stderr + looked.stdout).to.equal(3);
          expect(looked.stdout).to.match(waiting);
          expect(reportStatus(runId)).to.equal("waiting");

          await rpc(seeded.node.url, "hardhat_mine", [ethers.toQuantity(3)]);
          const resumed = await runPrinted(looked, "Go on watching");
          expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
          expect(resumed.stdout).to.contain("Upgrade complete.");
          expect(reportStatus(runId)).to.equal("completed");
          await expectChain({ implementation: installedBy(runId), upgradedEvents: 1 });
        });
      });
  });
}
