import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { rpc } from "../helpers/local-node";
import type { CliResult } from "../helpers/hardhat-cli";
import { seededRandom } from "../helpers/random";
import { useAutomine, useIntervalMining } from "../helpers/interval-mining";
import {
  describeAction,
  expectedListing,
  initialModelState,
  nextAction,
  signalEnv,
  step,
  unfinishedRun,
  type ModelAction,
  type ModelState,
  type Prediction,
} from "../helpers/recovery-model";
import { listRuns, type RunSummary } from "../../src/core/list-runs";
import { readDeploymentRecord, type DeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { readInitializableState } from "../../src/evm/chain/initializable";
import { AegisEngineV1__factory } from "../../typechain-types";

/**
 * Model-based: random sequences of what a user does after a Ctrl-C (start, resume, roll back,
 * abandon, look at the status, and now and then the wrong command), replayed against one real
 * `hardhat node` mining a block every 500 ms, so that signals land while transactions wait for
 * their block. After every action the chain, the deployment record and the runs' journals must
 * agree with each other and with the model (test/helpers/recovery-model.ts). A failure names its
 * seed and the actions so far: `AEGIS_MODEL_SEED=<seed>` replays it (the default seed is fixed).
 */

const SEED = Number(process.env.AEGIS_MODEL_SEED ?? 20261203);
// Longer explorations: AEGIS_MODEL_SEQUENCES and AEGIS_MODEL_ACTIONS (the defaults fit CI).
const SEQUENCES = Number(process.env.AEGIS_MODEL_SEQUENCES ?? 2);
const ACTIONS = Number(process.env.AEGIS_MODEL_ACTIONS ?? 6);
const SIGNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const UPGRADED_TOPIC = ethers.id("Upgraded(address)");

/** What a run's journal says landed: upgrades, downgrades, and whether its pause is in effect. */
interface JournalFacts {
  upgrades: number;
  downgrades: number;
  /** undefined: the run never touched the pause. */
  holdsPause: boolean | undefined;
}

// Each transaction that pauses or unpauses, by scope and key, and what it leaves.
const PAUSE_EFFECTS: Record<string, boolean> = {
  "run:pause-tx": true,
  "run:unpause-tx": false,
  "rollback:repause-tx": true,
  "rollback:unpause-tx": false,
};

/** Folds the journal's lines as written, without the toolkit's reducer. */
function journalFacts(runDir: string): JournalFacts {
  const landed = new Set<string>();
  let holdsPause: boolean | undefined;
  const lines = fs.readFileSync(path.join(runDir, "journal.jsonl"), "utf8").split("\n");
  for (const text of lines.filter((line) => line.trim() !== "")) {
    const line = JSON.parse(text) as {
      type: string;
      step?: string;
      scope?: string;
      key?: string;
      result?: string;
      output?: { pausedBy?: string };
    };
    // A pause found in place and taken over (an abandoned run's) is held from then on.
    const pauseStep = line.type === "STEP_COMPLETED" && line.step?.endsWith("#pause") === true;
    if (pauseStep && line.output?.pausedBy === "toolkit") holdsPause = true;
    const applied =
      line.type === "EFFECT_OUTCOME" ||
      (line.type === "EFFECT_RECONCILED" && line.result === "applied");
    if (!applied) continue;
    const effect = `${line.scope}:${line.key}`;
    if (landed.has(`${line.step}|${effect}`)) continue;
    landed.add(`${line.step}|${effect}`);
    if (effect in PAUSE_EFFECTS) holdsPause = PAUSE_EFFECTS[effect];
  }
  const count = (effect: string) => [...landed].filter((key) => key.endsWith(effect)).length;
  return {
    upgrades: count("|run:upgrade-tx"),
    downgrades: count("|rollback:downgrade-tx"),
    holdsPause,
  };
}

/**
 * The model's sequences whose index is `share` modulo `shares`: each test file runs its share on
 * its own node, so the sequences run in parallel workers.
 */
export function describeRecoveryModel(share: number, shares: number): void {
  describe(`recovery model (sequences ${share} mod ${shares}): random interrupt, resume, rollback and abandon sequences on a real node`, () => {
    let seeded: SeededNode;
    let provider: ethers.JsonRpcProvider;
    let pristine: DeploymentRecord;

    const baseDir = () => path.join(seeded.deploymentsDir, "localhost");
    const record = () =>
      readDeploymentRecord(path.join(baseDir(), "AegisEngine.json"), "localhost");
    const nonce = async () =>
      Number(
        BigInt(
          (await rpc(seeded.node.url, "eth_getTransactionCount", [SIGNER, "pending"])) as string,
        ),
      );
    const readableRuns = () =>
      listRuns(baseDir()).filter(
        (run): run is Extract<RunSummary, { readable: true }> => run.readable,
      );

    before(async () => {
      seeded = await startSeededNode();
      provider = new ethers.JsonRpcProvider(seeded.node.url, undefined, { staticNetwork: true });
      pristine = record();
    });
    after(async () => {
      provider?.destroy();
      await seeded?.stop();
    });
    beforeEach(async () => {
      // Snapshots are reverted with automine on; the runs then meet blocks every 500 ms.
      await useAutomine(seeded.node.url);
      await seeded.reset();
      await useIntervalMining(seeded.node.url, 500);
    });

    /** Runs one action's command; a resume, rollback or abandon names the model's run. */
    function command(action: ModelAction, model: ModelState): Promise<CliResult> {
      const runId = (index: number) => model.runs[index]!.runId;
      switch (action.kind) {
        case "status":
          return seeded.hardhat(["aegis:status", "--json"]);
        case "start":
          return seeded.hardhat(
            ["aegis:upgrade", "--yes", ...(action.callNone ? ["--call", "none"] : [])],
            signalEnv(action.signal),
          );
        case "resume":
          return seeded.hardhat(
            ["aegis:upgrade", "--resume", runId(action.run)],
            signalEnv(action.signal),
          );
        case "rollback":
          return seeded.hardhat(
            ["aegis:rollback", "--run", runId(action.run), "--yes"],
            signalEnv(action.signal),
          );
        case "abandon":
          return seeded.hardhat(["aegis:abandon", "--run", runId(action.run), "--yes"]);
      }
    }

    /** The checks after an action: the prediction, then the invariants that hold whatever happened. */
    async function check(
      action: ModelAction,
      prediction: Prediction,
      result: CliResult,
      sent: number,
      model: ModelState,
      why: string,
    ): Promise<void> {
      // The command did what the model says: exit code, refusal code, transactions, words.
      expect(result.code, why).to.equal(prediction.exitCode);
      if (prediction.refusal !== undefined) {
        expect(result.stderr.trim().split("\n")[0], why).to.match(
          new RegExp(`^${prediction.refusal} `),
        );
      } else if (action.kind !== "status") {
        expect(result.stderr, why).to.not.match(/^AEGIS-E\d+ /m);
      }
      expect(sent, `${why}\ntransactions sent by the signer`).to.equal(prediction.txs);
      for (const pattern of prediction.says) expect(result.stdout, why).to.match(pattern);

      const runs = readableRuns();
      expect(runs.length, `${why}\nevery run folder is readable`).to.equal(
        listRuns(baseDir()).length,
      );
      expect(
        runs.map((run) => ({ runId: run.runId, status: run.status, unfinished: run.unfinished })),
        `${why}\nthe runs as aegis:status --json lists them`,
      ).to.deep.equal(model.runs.map((run) => ({ runId: run.runId, ...expectedListing(run) })));
      if (action.kind === "status") {
        const listed = JSON.parse(result.stdout) as Array<{
          runId: string;
          status: string;
          unfinished: boolean;
        }>;
        expect(
          listed.map(({ runId, status, unfinished }) => ({ runId, status, unfinished })),
          why,
        ).to.deep.equal(
          runs.map(({ runId, status, unfinished }) => ({ runId, status, unfinished })),
        );
      }

      const proxy = pristine.proxy;
      const [info, paused, initializable] = await Promise.all([
        readProxyInfo(provider, proxy),
        AegisEngineV1__factory.connect(proxy, provider).paused(),
        readInitializableState(provider, proxy),
      ]);
      const current = record();
      expect(paused, `${why}\npaused`).to.equal(model.paused);
      expect(current.current.contract, `${why}\nthe live contract`).to.equal(model.live);
      expect(Number(initializable.initializedVersion), `${why}\n_initialized`).to.equal(
        model.initialized,
      );
      if (model.live === "AegisEngineV1") {
        expect(info.implementation, `${why}\nV1's address`).to.equal(
          pristine.current.implementation,
        );
      }

      // (2) The record follows the chain.
      expect(
        current.current.implementation,
        `${why}\nthe record names the live implementation`,
      ).to.equal(info.implementation);

      // (3) Every Upgraded event is an upgrade or a downgrade some journal says landed, once.
      const facts = runs.map((run) => ({ run, facts: journalFacts(run.runDir) }));
      const journaled = facts.reduce((sum, { facts: f }) => sum + f.upgrades + f.downgrades, 0);
      const events = (
        await provider.getLogs({
          address: proxy,
          topics: [UPGRADED_TOPIC],
          fromBlock: 0,
          toBlock: "latest",
        })
      ).filter((log) => log.blockNumber > pristine.deployedAt.block);
      expect(
        events.length,
        `${why}\nUpgraded events against journaled upgrades and downgrades`,
      ).to.equal(journaled);

      // (4) At most one unfinished run, and it is the model's.
      const unfinished = runs.filter((run) => run.unfinished);
      expect(unfinished.length, `${why}\nunfinished runs`).to.be.at.most(1);
      const modelUnfinished = unfinishedRun(model);
      expect(unfinished[0]?.runId, why).to.equal(
        modelUnfinished === undefined ? undefined : model.runs[modelUnfinished]!.runId,
      );

      // (1) Paused only while a run of this toolkit holds the pause by its journal: the unfinished
      // one, or an abandoned one whose pause the next run takes over. The last run that touched
      // the pause decides.
      const holder = facts.filter(({ facts: f }) => f.holdsPause !== undefined).at(-1);
      const held = holder?.facts.holdsPause === true;
      expect(
        paused,
        `${why}\npaused, against the journals (last to touch the pause: ${holder?.run.runId})`,
      ).to.equal(held);
      if (paused) {
        expect(
          holder!.run.unfinished || holder!.run.status === "abandoned",
          `${why}\nthe pause holder`,
        ).to.equal(true);
        // A command that ran a session and left the protocol paused says so.
        if (action.kind !== "status" && prediction.refusal === undefined) {
          expect(result.stdout, `${why}\nleft paused: the output says so`).to.contain("PAUSED");
        }
      }

      // (5) Never 0 while the toolkit's pause is in effect (an abandon hands its pause on, said above).
      if (result.code === 0 && action.kind !== "status" && action.kind !== "abandon") {
        expect(paused, `${why}\nexit code 0 while paused`).to.equal(false);
      }
    }

    for (let sequence = share; sequence < SEQUENCES; sequence += shares) {
      const seed = SEED + sequence;
      it(`seed ${seed}: ${ACTIONS} random actions keep the chain, the record and the journals in step`, async () => {
        const random = seededRandom(seed);
        let model: ModelState = initialModelState();
        const trail: string[] = [];
        for (let index = 0; index < ACTIONS; index++) {
          const { action, wrong } = nextAction(model, random);
          const { prediction, after } = step(model, action);
          const described = `${index + 1}. ${describeAction(action, model)}${wrong ? " (a mistake)" : ""}`;
          const runsBefore = new Set(readableRuns().map((run) => run.runId));
          const nonceBefore = await nonce();
          const result = await command(action, model);
          const sent = (await nonce()) - nonceBefore;
          trail.push(`${described} -> exit ${result.code}, ${sent} tx`);

          const created = readableRuns().filter((run) => !runsBefore.has(run.runId));
          if (prediction.creates) prediction.creates.runId = created[0]?.runId ?? "(none)";
          const why = [
            `seed ${seed} (replay: AEGIS_MODEL_SEED=${seed} AEGIS_MODEL_SEQUENCES=1 AEGIS_MODEL_ACTIONS=${ACTIONS}), actions:`,
            ...trail.map((line) => `  ${line}`),
            `expected exit ${prediction.exitCode}${prediction.refusal ? ` ${prediction.refusal}` : ""}, ${prediction.txs} tx`,
            `--- stdout (tail):`,
            result.stdout.trim().split("\n").slice(-12).join("\n"),
            `--- stderr:`,
            result.stderr.trim(),
          ].join("\n");
          expect(created.length, `${why}\nruns created`).to.equal(prediction.creates ? 1 : 0);
          model = after;
          await check(action, prediction, result, sent, model, why);
        }
      });
    }
  });
}
