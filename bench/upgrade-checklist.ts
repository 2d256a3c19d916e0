/**
 * Wall time of the whole AEGIS checklist (`aegis:upgrade`, monitoring window excluded) against a
 * minimal `npx hardhat run` upgrade script, both as whole processes on the same seeded local
 * node, measured in the same run. Each round starts from the same chain state (evm_revert).
 *
 *   npm run bench:upgrade            (ROUNDS=5 to change the number of rounds)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rpc, startHardhatNode } from "../test/helpers/local-node";
import { runHardhat } from "../test/helpers/hardhat-cli";
import { median, runBenchmark, timed } from "./process-timing";

const ROUNDS = Number(process.env.ROUNDS ?? 3);

async function main(): Promise<void> {
  const node = await startHardhatNode();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-bench-upgrade-"));
  try {
    const pristine = path.join(root, "pristine");
    const env = (dir: string) => ({ AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: dir });
    const deployed = await runHardhat(
      ["aegis:deploy", "--network", "localhost", "--seed"],
      env(pristine),
    );
    if (deployed.code !== 0) throw new Error(deployed.stderr);
    const record = JSON.parse(
      fs.readFileSync(path.join(pristine, "localhost", "AegisEngine.json"), "utf8"),
    );
    const checklist: number[] = [];
    const minimal: number[] = [];
    const stepTimes: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const snapshot = await rpc(node.url, "evm_snapshot");
      const dir = path.join(root, `round-${round}`);
      fs.cpSync(pristine, dir, { recursive: true });
      checklist.push(
        await timed(() =>
          runHardhat(
            ["aegis:upgrade", "--network", "localhost", "--yes", "--monitor-blocks", "0"],
            env(dir),
          ),
        ),
      );
      const runsDir = path.join(dir, "localhost", "runs");
      const [runId] = fs.readdirSync(runsDir);
      const report = JSON.parse(fs.readFileSync(path.join(runsDir, runId!, "report.json"), "utf8"));
      for (const step of report.steps as Array<{
        shortId: string;
        durationMs?: number;
        verifyDurationMs?: number;
      }>) {
        (stepTimes[step.shortId] ??= []).push(
          (step.durationMs ?? 0) + (step.verifyDurationMs ?? 0),
        );
      }
      await rpc(node.url, "evm_revert", [snapshot]);
      const again = await rpc(node.url, "evm_snapshot");
      minimal.push(
        await timed(() =>
          runHardhat(["run", "--network", "localhost", "bench/fixtures/minimal-upgrade.ts"], {
            ...env(dir),
            AEGIS_BENCH_PROXY: record.proxy,
          }),
        ),
      );
      await rpc(node.url, "evm_revert", [again]);
    }
    const checklistMs = median(checklist);
    const minimalMs = median(minimal);
    const stepsMs = Object.values(stepTimes).reduce((sum, times) => sum + median(times), 0);
    console.log(`rounds: ${ROUNDS} (medians; every round from the same seeded state)`);
    console.log(`aegis:upgrade checklist, whole process: ${checklistMs.toFixed(0)} ms`);
    console.log(`minimal hardhat run upgradeProxy script: ${minimalMs.toFixed(0)} ms`);
    console.log(
      `ratio checklist / minimal: ${(checklistMs / minimalMs).toFixed(2)} (goal: at most 2)`,
    );
    console.log(
      `where the checklist's time goes: steps ${stepsMs.toFixed(0)} ms, the rest is process start-up, the compile check, the checks before the run and the reports`,
    );
    for (const [step, times] of Object.entries(stepTimes)) {
      console.log(`  ${step.padEnd(22)} ${median(times).toFixed(0).padStart(6)} ms`);
    }
  } finally {
    await node.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

runBenchmark(main);
