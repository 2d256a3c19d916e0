/**
 * Runs every task that takes a URL (aegis:import too), one after the other in one Hardhat process (each task's
 * start-up would cost seconds otherwise), against the network `localhost` whose URL the test
 * set: `hardhat run --network localhost test/e2e/url-secrets-tasks.ts`. Each task is framed by
 * `::task <name>` and `::exit <name> <code>` lines; everything else is what the tasks printed.
 * AEGIS_TEST_FORK_URL is the fork URL (with keys), AEGIS_TEST_DEAD_FORK_URL one that does not
 * answer, AEGIS_TEST_OUT the folder for the snapshot and layout files.
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";

const forkUrl = process.env.AEGIS_TEST_FORK_URL as string;
const deadForkUrl = process.env.AEGIS_TEST_DEAD_FORK_URL as string;
const out = process.env.AEGIS_TEST_OUT as string;

async function task(name: string, args: Record<string, unknown>, label = name): Promise<void> {
  process.exitCode = 0;
  console.log(`::task ${label}`);
  await hre.run(name, args);
  console.log(`::exit ${label} ${process.exitCode ?? 0}`);
  process.exitCode = 0;
}

async function main(): Promise<void> {
  const before = path.join(out, "before.json");
  const after = path.join(out, "after.json");
  await task("aegis:deploy", {});
  await task("aegis:snapshot", { out: before });
  await task("aegis:layout", { proxy: "AegisEngine", new: "AegisEngineV2", out: `${out}/layout` });
  await task("aegis:rehearse", { forkUrl, engine: "hardhat" }, "aegis:rehearse hardhat");
  await task("aegis:rehearse", { forkUrl, engine: "anvil", json: true }, "aegis:rehearse anvil");
  await task("aegis:rehearse", { forkUrl: deadForkUrl, engine: "anvil" }, "aegis:rehearse dead");
  await task("aegis:upgrade", { yes: true, json: true });
  await task("aegis:snapshot", { out: after });
  await task("aegis:diff", { before, after, expect: "*" });
  await task("aegis:status", {});
  await task("aegis:status", { json: true }, "aegis:status --json");
  // Last: adopting the (now upgraded) proxy under another record name touches nothing above.
  const record = path.join(hre.config.aegis.deploymentsDir, "localhost", "AegisEngine.json");
  const { proxy } = JSON.parse(fs.readFileSync(record, "utf8")) as { proxy: string };
  await task("aegis:import", { proxy, name: "ImportedEngine" });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 99;
});
