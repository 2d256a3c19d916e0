/**
 * Wall time of a full rehearsal (`aegis:rehearse`, forward and back, as a whole process) against a
 * minimal `npx hardhat run` script that forks, impersonates the owner, forceImports and
 * upgradeProxy's with the reinitializer call, on both fork engines, measured in the same run
 * against the same seeded local node playing the live chain.
 *
 *   npm run bench:rehearsal          (ROUNDS=5 to change the number of rounds)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startHardhatNode } from "../test/helpers/local-node";
import { runHardhat } from "../test/helpers/hardhat-cli";
import { median, runBenchmark, timed } from "./process-timing";
import { startAnvil } from "../src/evm/rehearsal/anvil-process";

const ROUNDS = Number(process.env.ROUNDS ?? 3);

async function main(): Promise<void> {
  const node = await startHardhatNode();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-bench-rehearsal-"));
  try {
    const env = { AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: root };
    const deployed = await runHardhat(["aegis:deploy", "--network", "localhost", "--seed"], env);
    if (deployed.code !== 0) throw new Error(deployed.stderr);
    const record = JSON.parse(
      fs.readFileSync(path.join(root, "localhost", "AegisEngine.json"), "utf8"),
    );
    const baseline = {
      AEGIS_BENCH_FORK_URL: node.url,
      AEGIS_BENCH_PROXY: record.proxy,
      AEGIS_BENCH_OWNER: record.owner,
    };
    console.log(`rounds: ${ROUNDS} (medians); the live chain is a seeded hardhat node`);
    for (const engine of ["hardhat", "anvil"] as const) {
      const rehearsal: number[] = [];
      const minimal: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        rehearsal.push(
          await timed(() =>
            runHardhat(
              [
                "aegis:rehearse",
                "--network",
                "localhost",
                "--fork-url",
                node.url,
                "--engine",
                engine,
              ],
              env,
            ),
          ),
        );
        // The baseline forks in-process on the hardhat engine; on anvil it gets its fork started
        // for it (about 0.1 s), outside its timing.
        const fork =
          engine === "anvil"
            ? await startAnvil(await freePort(), ["--fork-url", node.url])
            : undefined;
        try {
          minimal.push(
            await timed(() =>
              runHardhat(
                [
                  "run",
                  "--network",
                  fork ? "localhost" : "hardhat",
                  "bench/fixtures/minimal-fork-upgrade.ts",
                ],
                {
                  ...env,
                  ...baseline,
                  ...(fork ? { AEGIS_LOCALHOST_URL: fork.url } : {}),
                  AEGIS_BENCH_ENGINE: engine,
                },
              ),
            ),
          );
        } finally {
          await fork?.stop();
        }
      }
      const ratio = median(rehearsal) / median(minimal);
      console.log(
        `${engine.padEnd(8)} rehearsal (forward and back) ${median(rehearsal).toFixed(0)} ms; minimal fork script ${median(minimal).toFixed(0)} ms; ratio ${ratio.toFixed(2)} (goal: at most 2.5)`,
      );
    }
  } finally {
    await node.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

runBenchmark(main);
