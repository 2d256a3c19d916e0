import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { spawn } from "node:child_process";
import { PROJECT_ROOT, freePort, hardhatNodeArgs, rpc } from "../helpers/local-node";
import { useAutomine, useIntervalMining } from "../helpers/interval-mining";
import { runOnTerminal } from "../helpers/terminal";
import { readDeploymentRecord, type DeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { readInitializableState } from "../../src/evm/chain/initializable";
import { erc7201Slot } from "../../src/evm/storage/storage-slots";
import { readBook } from "../../src/aegis/book";
import { checkBook } from "../../src/aegis/invariants";
import { AegisEngineV1__factory, AegisEngineV2__factory } from "../../typechain-types";

const UPGRADED_TOPIC = ethers.id("Upgraded(address)");

/** Halves of the end-to-end suite, one test file each so they run in parallel workers. */
export type UpgradeSuitePart = "checklist" | "recovery";

/** The end-to-end suite's tests of one part, each starting from the seeded chain. */
export function describeUpgradeEndToEnd(part: UpgradeSuitePart): void {
  describe(`aegis:upgrade end to end on a real hardhat node (${part})`, () => {
    let seeded: SeededNode;
    let provider: ethers.JsonRpcProvider;

    const recordPath = () => path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json");
    const record = (): DeploymentRecord => readDeploymentRecord(recordPath(), "localhost");
    const runsDir = () => path.join(seeded.deploymentsDir, "localhost", "runs");
    const runIds = () => (fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()) : []);
    const upgradedEvents = async (proxy: string) =>
      provider.getLogs({
        address: proxy,
        topics: [UPGRADED_TOPIC],
        fromBlock: 0,
        toBlock: "latest",
      });
    const reportOf = (runId: string) =>
      JSON.parse(fs.readFileSync(path.join(runsDir(), runId, "report.json"), "utf8")) as {
        run: { status: string };
        steps: Array<{ shortId: string; status: string; verdict?: string }>;
      };

    before(async () => {
      seeded = await startSeededNode();
      provider = new ethers.JsonRpcProvider(seeded.node.url, undefined, { staticNetwork: true });
    });
    after(async () => {
      provider.destroy();
      await seeded.stop();
    });
    beforeEach(() => seeded.reset());

    // The checklist itself: a clean run, a dry run, and the safety checks that stop it.
    if (part === "checklist") {
      it("runs the whole checklist, leaves V2 live and unpaused, and reports every step", async () => {
        const v1 = record();
        const result = await seeded.hardhat(["aegis:upgrade", "--yes"]);
        expect(result.code, result.stderr + result.stdout).to.equal(0);
        expect(result.stdout).to.contain("Upgrade complete.");

        const info = await readProxyInfo(provider, v1.proxy);
        expect(info.implementation).to.not.equal(v1.current.implementation);
        const engine = AegisEngineV2__factory.connect(v1.proxy, provider);
        expect(await engine.paused()).to.equal(false);
        expect(await engine.newFeatureEnabled()).to.equal(1n);
        expect((await readInitializableState(provider, v1.proxy)).initializedVersion).to.equal(2n);

        const updated = record();
        expect(updated.current.contract).to.equal("AegisEngineV2");
        expect(updated.current.implementation).to.equal(info.implementation);
        expect(updated.history.map((entry) => entry.implementation)).to.deep.equal([
          v1.current.implementation,
        ]);
        expect(updated.layout.contract).to.equal("AegisEngineV2");

        const [runId] = runIds();
        const report = reportOf(runId!);
        expect(report.run.status).to.equal("completed");
        expect(report.steps.map((step) => step.shortId)).to.deep.equal([
          "preflight",
          "pause",
          "snapshot",
          "record-invariants",
          "deploy-implementation",
          "upgrade",
          "invariants",
          "verify-storage",
          "unpause",
          "monitor",
        ]);
        expect(report.steps.every((step) => step.verdict === "go")).to.equal(true);
        const markdown = fs.readFileSync(path.join(runsDir(), runId!, "report.md"), "utf8");
        expect(markdown).to.match(/\| `invariants` \| LU-3 sharePrice \| (\d+) \| \1 \| no \|/);
        expect(markdown).to.contain("newFeatureEnabled");
        expect(markdown).to.contain("the writes of initializeV2 stay in storage");
        const journal = fs.readFileSync(path.join(runsDir(), runId!, "journal.jsonl"), "utf8");
        expect(journal).to.not.match(/privateKey|mnemonic/i);

        const book = await readBook(provider, {
          proxy: v1.proxy,
          token0: v1.tokens.token0!,
          token1: v1.tokens.token1!,
          fromBlock: v1.deployedAt.block,
        });
        expect(checkBook(book).filter((r) => !r.holds)).to.deep.equal([]);
      });

      it("says what it would do in a dry run and sends nothing", async () => {
        const before = await seeded.blockNumber();
        const result = await seeded.hardhat(["aegis:upgrade", "--dry-run"]);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stdout).to.contain("would send aegis pause()");
        expect(result.stdout).to.contain("Dry run complete");
        expect(await seeded.blockNumber()).to.equal(before);

        // With --json, standard output is engine events only, one JSON object a line.
        const json = await seeded.hardhat(["aegis:upgrade", "--dry-run", "--json"]);
        expect(json.code, json.stderr).to.equal(0);
        const events = json.stdout
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as { type: string });
        expect(events.map((event) => event.type)).to.include.members([
          "run.started",
          "run.completed",
        ]);
        expect(await seeded.blockNumber()).to.equal(before);
      });

      for (const contract of [
        "AegisEngineV2InsertedVariable",
        "AegisEngineV2Retyped",
        "AegisEngineV2MovedNamespace",
      ]) {
        it(`refuses ${contract} with AEGIS-E307 before the pause, changing nothing`, async () => {
          const before = await seeded.blockNumber();
          const result = await seeded.hardhat(["aegis:upgrade", "--yes", "--to", contract]);
          expect(result.code).to.equal(1);
          expect(result.stderr).to.match(/^AEGIS-E307 /m);
          expect(await seeded.blockNumber()).to.equal(before);
          expect(runIds()).to.deep.equal([]);
          expect(await AegisEngineV1__factory.connect(record().proxy, provider).paused()).to.equal(
            false,
          );
        });
      }

      it("stops the corrupting reinitializer at the invariants and rolls back to V1, unpaused", async () => {
        const v1 = record();
        const result = await seeded.hardhat([
          "aegis:upgrade",
          "--yes",
          "--to",
          "AegisEngineV2CorruptingReinitializer",
        ]);
        expect(result.code).to.equal(1);
        expect(result.stdout).to.contain("Rolled back");
        expect(result.stderr).to.contain("LU-3");
        const report = reportOf(runIds()[0]!);
        expect(report.run.status).to.equal("rolled-back");
        expect(report.steps.find((s) => s.shortId === "invariants")?.verdict).to.equal("stop");
        expect((await readProxyInfo(provider, v1.proxy)).implementation).to.equal(
          v1.current.implementation,
        );
        expect(await AegisEngineV1__factory.connect(v1.proxy, provider).paused()).to.equal(false);
        expect(record().current.implementation).to.equal(v1.current.implementation);
        // Honest about what a rollback cannot undo: the reinitializer's writes stay.
        expect((await readInitializableState(provider, v1.proxy)).initializedVersion).to.equal(2n);
      });

      it("with --no-auto-rollback leaves a failed run paused on purpose, until aegis:rollback", async () => {
        const v1 = record();
        const engine = AegisEngineV1__factory.connect(v1.proxy, provider);
        const stopped = await seeded.hardhat([
          "aegis:upgrade",
          "--yes",
          "--no-auto-rollback",
          "--to",
          "AegisEngineV2CorruptingReinitializer",
        ]);
        expect(stopped.code).to.equal(1);
        expect(stopped.stdout).to.contain("PAUSED on purpose");
        expect(await engine.paused()).to.equal(true);
        expect((await readProxyInfo(provider, v1.proxy)).implementation).to.not.equal(
          v1.current.implementation,
        );

        const rolled = await seeded.hardhat(["aegis:rollback", "--yes"]);
        expect(rolled.code, rolled.stderr).to.equal(0);
        expect(rolled.stdout).to.contain("Rolled back");
        expect((await readProxyInfo(provider, v1.proxy)).implementation).to.equal(
          v1.current.implementation,
        );
        expect(await engine.paused()).to.equal(false);
      });

      it("stops a V2 without reinitializer(2) at the upgrade's check and rolls back", async () => {
        const v1 = record();
        const result = await seeded.hardhat([
          "aegis:upgrade",
          "--yes",
          "--to",
          "AegisEngineV2WithoutReinitializer",
        ]);
        expect(result.code).to.equal(1);
        expect(reportOf(runIds()[0]!).steps.find((s) => s.shortId === "upgrade")?.verdict).to.equal(
          "stop",
        );
        expect((await readProxyInfo(provider, v1.proxy)).implementation).to.equal(
          v1.current.implementation,
        );
        expect(await AegisEngineV1__factory.connect(v1.proxy, provider).paused()).to.equal(false);
      });
    }

    // What users do after a crash, a second terminal, a Ctrl-C or a typo.
    if (part === "recovery") {
      for (const crashAt of ["effect.intent:upgrade-tx", "effect.note:upgrade-tx"]) {
        it(`finishes a run SIGKILLed at ${crashAt} with --resume, upgrading exactly once`, async () => {
          const v1 = record();
          const killed = await seeded.hardhat(["aegis:upgrade", "--yes"], {
            AEGIS_CRASH_AT: crashAt,
          });
          expect(killed.code).to.equal(null);
          const [runId] = runIds();
          expect(await AegisEngineV1__factory.connect(v1.proxy, provider).paused()).to.equal(true);

          const resumed = await seeded.hardhat(["aegis:upgrade", "--resume", runId!]);
          expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
          expect(resumed.stdout).to.contain("Upgrade complete.");
          const upgrades = (await upgradedEvents(v1.proxy)).filter(
            (log) => log.blockNumber > v1.deployedAt.block,
          );
          expect(upgrades).to.have.length(1);
          expect(record().current.contract).to.equal("AegisEngineV2");
          expect(await AegisEngineV1__factory.connect(v1.proxy, provider).paused()).to.equal(false);
          expect(reportOf(runId!).run.status).to.equal("completed");
        });
      }

      it("rolls a completed run back on request with aegis:rollback", async () => {
        const v1 = record();
        expect((await seeded.hardhat(["aegis:upgrade", "--yes"])).code).to.equal(0);
        const rolled = await seeded.hardhat(["aegis:rollback", "--yes"]);
        expect(rolled.code, rolled.stderr).to.equal(0);
        expect(rolled.stdout).to.contain("Rolled back");
        expect(rolled.stdout).to.contain(
          "rolling back 3 step(s) (requested): unpause, upgrade, pause; deploy-implementation cannot be undone",
        );
        expect((await readProxyInfo(provider, v1.proxy)).implementation).to.equal(
          v1.current.implementation,
        );
        expect(await AegisEngineV1__factory.connect(v1.proxy, provider).paused()).to.equal(false);
        expect(record().current.contract).to.equal("AegisEngineV1");
        const status = await seeded.hardhat(["aegis:status"]);
        expect(status.stdout).to.match(/rolled back on request/);
      });

      it("refuses a second run from another terminal while the first runs (AEGIS-E334), before showing a plan", async () => {
        const v1 = record();
        await useIntervalMining(seeded.node.url, 2000);
        try {
          const env = {
            ...process.env,
            HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
            AEGIS_LOCALHOST_URL: seeded.node.url,
            AEGIS_DEPLOYMENTS_DIR: seeded.deploymentsDir,
          };
          const first = spawn(
            process.execPath,
            // A monitor window of several blocks keeps it running while the second one starts.
            hardhatNodeArgs([
              "aegis:upgrade",
              "--yes",
              "--monitor-blocks",
              "6",
              "--network",
              "localhost",
            ]),
            { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
          );
          let firstOut = "";
          const paused = new Promise<void>((resolve) =>
            first.stdout.on("data", (chunk: Buffer) => {
              firstOut += chunk.toString();
              if (firstOut.includes("✔ pause")) resolve();
            }),
          );
          const firstExit = new Promise<number | null>((resolve) => first.once("exit", resolve));
          await Promise.race([paused, firstExit]);

          const second = await seeded.hardhat(["aegis:upgrade", "--yes"]);
          expect(second.code).to.equal(1);
          expect(second.stderr.split("\n")[0]).to.match(
            /^AEGIS-E334 run \S+ of this proxy is in progress/,
          );
          expect(second.stdout).to.not.match(/plan aegis/);

          expect(await firstExit, firstOut).to.equal(0);
          const upgrades = (await upgradedEvents(v1.proxy)).filter(
            (log) => log.blockNumber > v1.deployedAt.block,
          );
          expect(upgrades).to.have.length(1);
          expect(runIds()).to.have.length(1);
        } finally {
          await useAutomine(seeded.node.url);
        }
      });

      it("takes Ctrl-C at the confirmation prompt as a no: nothing is sent", async () => {
        const blockBefore = await seeded.blockNumber();
        const result = await runOnTerminal(
          [process.execPath, ...hardhatNodeArgs(["aegis:upgrade", "--network", "localhost"])]
            .map((word) => `'${word}'`)
            .join(" "),
          {
            cwd: PROJECT_ROOT,
            env: {
              HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
              AEGIS_LOCALHOST_URL: seeded.node.url,
              AEGIS_DEPLOYMENTS_DIR: seeded.deploymentsDir,
            },
            prompt: /\[y\/N\]/,
            answer: "\u0003",
          },
        );
        expect(result.code, result.stdout).to.equal(1);
        expect(result.stdout).to.contain("Declined: nothing was sent.");
        expect(await seeded.blockNumber()).to.equal(blockBefore);
        expect(runIds()).to.deep.equal([]);
      });

      describe("bad input: one coded line, a non-zero exit, nothing changed", () => {
        const refusals: Array<{
          name: string;
          code: string;
          args: () => Promise<string[]> | string[];
          prepare?: () => Promise<void>;
        }> = [
          {
            name: "an EOA as --proxy",
            code: "AEGIS-E305",
            args: () => ["--proxy", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
          },
          {
            name: "a contract that is not a proxy",
            code: "AEGIS-E305",
            args: () => ["--proxy", record().tokens.token0!],
          },
          {
            name: "an unknown contract",
            code: "AEGIS-E306",
            args: () => ["--to", "AegisEngineV9"],
          },
          {
            name: "a record written for another chain",
            code: "AEGIS-E303",
            args: () => [],
            prepare: async () => {
              const changed = { ...JSON.parse(fs.readFileSync(recordPath(), "utf8")), chainId: 1 };
              fs.writeFileSync(recordPath(), JSON.stringify(changed));
            },
          },
          {
            name: "a record that no longer names the live implementation",
            code: "AEGIS-E315",
            args: () => [],
            // As if someone had upgraded outside the toolkit: the record still names another one.
            prepare: async () => {
              const stale = JSON.parse(fs.readFileSync(recordPath(), "utf8"));
              stale.current.implementation = stale.tokens.token0;
              fs.writeFileSync(recordPath(), JSON.stringify(stale));
            },
          },
          {
            name: "a proxy already initialized to the reinitializer's version",
            code: "AEGIS-E319",
            args: () => [],
            // Initializable's _initialized (ERC-7201 slot, low 8 bytes) set to 2: reinitializer(2)
            // would revert, so the run must not start.
            prepare: async () => {
              await rpc(seeded.node.url, "hardhat_setStorageAt", [
                record().proxy,
                ethers.toBeHex(erc7201Slot("openzeppelin.storage.Initializable"), 32),
                ethers.toBeHex(2, 32),
              ]);
            },
          },
          {
            name: "an invariant already failing",
            code: "AEGIS-E308",
            args: () => [],
            // B_L (slot 5) one unit off the sum of the vaults' principals: CF-2 fails before anything.
            prepare: async () => {
              const proxy = record().proxy;
              const slot = ethers.toBeHex(5, 32);
              const value = BigInt(await provider.getStorage(proxy, slot)) + 1n;
              await rpc(seeded.node.url, "hardhat_setStorageAt", [
                proxy,
                slot,
                ethers.toBeHex(value, 32),
              ]);
            },
          },
        ];
        for (const refusal of refusals) {
          it(`refuses ${refusal.name} with ${refusal.code}`, async () => {
            await refusal.prepare?.();
            const recordBefore = fs.readFileSync(recordPath(), "utf8");
            const blockBefore = await seeded.blockNumber();
            const result = await seeded.hardhat([
              "aegis:upgrade",
              "--yes",
              ...(await refusal.args()),
            ]);
            expect(result.code).to.equal(1);
            expect(result.stderr.trim().split("\n")[0]).to.match(new RegExp(`^${refusal.code} `));
            expect(result.stderr).to.contain("  hint: ");
            expect(await seeded.blockNumber()).to.equal(blockBefore);
            expect(fs.readFileSync(recordPath(), "utf8")).to.equal(recordBefore);
            expect(runIds()).to.deep.equal([]);
          });
        }

        it("asks before the first transaction, and refuses to guess without a terminal (AEGIS-E318)", async () => {
          const blockBefore = await seeded.blockNumber();
          const result = await seeded.hardhat(["aegis:upgrade"]);
          expect(result.code).to.equal(1);
          expect(result.stderr).to.match(/^AEGIS-E318 /m);
          expect(await seeded.blockNumber()).to.equal(blockBefore);
          expect(await AegisEngineV1__factory.connect(record().proxy, provider).paused()).to.equal(
            false,
          );
        });

        it("refuses an unreachable RPC with AEGIS-E300", async () => {
          const result = await seeded.hardhat(["aegis:upgrade", "--yes"], {
            AEGIS_LOCALHOST_URL: `http://127.0.0.1:${await freePort()}`,
          });
          expect(result.code).to.equal(1);
          expect(result.stderr).to.match(/^AEGIS-E300 /);
        });
      });
    }
  });
}
