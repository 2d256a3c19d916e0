import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { readProxyInfo } from "../../../src/evm/chain/eip1967";
import { importProxy } from "../../../src/evm/upgrade/import-proxy";
import type { UpgradePreset } from "../../../src/evm/upgrade/upgrade-preset";
import { loadPreset } from "../../../tasks/upgrade-support";
import type { AegisConfig } from "../../../tasks/aegis-config";

/** The README's example of a preset written as a TypeScript module ("Use it on your protocol"). */
function readmePresetExample(): string {
  const readme = fs.readFileSync(path.join(hre.config.paths.root, "README.md"), "utf8");
  const start = readme.indexOf("## Use it on your protocol");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const example = blocks.find((block) => block.includes("UpgradePreset<"));
  if (example === undefined) throw new Error("the README has no preset module example");
  return example;
}

/** What a task printed, and the exit code it set. */
interface TaskResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a task in this process, capturing what it prints and the exit code it sets. */
async function runTask(name: string, args: Record<string, unknown>): Promise<TaskResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = {
    log: console.log,
    error: console.error,
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
    exitCode: process.exitCode,
  };
  console.log = (...parts: unknown[]) => void out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => void err.push(parts.join(" "));
  process.stdout.write = ((chunk: string) => (
    out.push(String(chunk).trimEnd()),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (
    err.push(String(chunk).trimEnd()),
    true
  )) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await hre.run(name, args);
    return { stdout: out.join("\n"), stderr: err.join("\n"), exitCode: Number(process.exitCode) };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = saved.exitCode;
  }
}

/**
 * A preset given to `aegis.presets` as a function that loads a TypeScript module implementing
 * UpgradePreset (for invariants that need code): the README's example, and a module whose
 * invariant the upgrade breaks. Each drives the whole checklist in this process, on the
 * in-process Hardhat network, against a token deployed with OpenZeppelin's `deployProxy`.
 */
describe("a preset as a TypeScript module (aegis.presets.<record>: () => import(...))", () => {
  let dir: string;
  let proxy: string;
  let v1: string;
  let snapshotId: string;
  let saved: Pick<AegisConfig, "deploymentsDir" | "presets">;
  let copies = 0;

  /** A fresh records folder with the token's imported record. */
  function recordsDir(): string {
    const records = path.join(dir, `records-${++copies}`);
    fs.cpSync(path.join(dir, "pristine"), records, { recursive: true });
    return records;
  }

  function useModule(records: string, load: () => Promise<UpgradePreset<unknown>>) {
    hre.config.aegis.deploymentsDir = records;
    hre.config.aegis.presets = { Token: load };
  }

  const upgrade = () =>
    runTask("aegis:upgrade", {
      proxy: "Token",
      to: "PausableTokenV2",
      call: "initializeV2(5)",
      monitorBlocks: 0,
      yes: true,
    });

  function onlyReport(records: string) {
    const runs = path.join(records, "hardhat", "runs");
    const [runId] = fs.readdirSync(runs);
    return JSON.parse(fs.readFileSync(path.join(runs, runId!, "report.json"), "utf8")) as {
      run: { status: string };
      steps: Array<{
        shortId: string;
        verdict?: string;
        verifyMessage?: string;
        figures?: Record<string, unknown>;
      }>;
    };
  }

  before(async () => {
    // Under the project, so that the module written here resolves its imports (ethers).
    dir = fs.mkdtempSync(path.join(hre.config.paths.cache, "module-preset-"));
    saved = { deploymentsDir: hre.config.aegis.deploymentsDir, presets: hre.config.aegis.presets };
    const [owner, ...holders] = await hre.ethers.getSigners();
    const factory = await hre.ethers.getContractFactory("PausableTokenV1", owner);
    const token = await hre.upgrades.deployProxy(
      factory,
      ["Pausable", "PSB", owner!.address, 10n ** 27n],
      { kind: "transparent", initializer: "initialize" },
    );
    await token.waitForDeployment();
    proxy = await token.getAddress();
    for (const holder of holders.slice(0, 2)) {
      await (await token.getFunction("mint")(holder.address, 10n ** 21n)).wait();
    }
    v1 = (await readProxyInfo(hre.ethers.provider, proxy)).implementation;
    await importProxy(
      { proxy, name: "Token", force: false },
      {
        provider: hre.ethers.provider,
        eip1193: hre.network.provider,
        networkName: hre.network.name,
        chainId: 31337,
        deploymentsDir: path.join(dir, "pristine"),
        build: hre.artifacts,
        validations: await readValidations(hre),
      },
    );
    snapshotId = (await hre.network.provider.send("evm_snapshot")) as string;
  });

  afterEach(async () => {
    await hre.network.provider.send("evm_revert", [snapshotId]);
    snapshotId = (await hre.network.provider.send("evm_snapshot")) as string;
  });

  after(() => {
    Object.assign(hre.config.aegis, saved);
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads the README's example module and runs its invariant through the whole checklist", async () => {
    const file = path.join(dir, "token-preset.ts");
    // The example imports the package's types, which are this repository's tasks/plugin.ts.
    const plugin = path.join(hre.config.paths.root, "tasks", "plugin");
    fs.writeFileSync(
      file,
      readmePresetExample().replace('"aegis-upgrade-toolkit"', JSON.stringify(plugin)),
    );
    const records = recordsDir();
    useModule(
      records,
      async () => ((await import(file)) as { preset: UpgradePreset<unknown> }).preset,
    );
    expect((await loadPreset(hre, "Token", "PausableTokenV2")).name).to.equal("token");

    const result = await upgrade();
    expect(result.exitCode, result.stderr + result.stdout).to.equal(0);
    expect(result.stdout).to.contain("Upgrade complete.");
    const report = onlyReport(records);
    expect(report.run.status).to.equal("completed");
    const invariants = report.steps.find((step) => step.shortId === "invariants")!;
    expect(invariants.verdict).to.equal("go");
    expect(invariants.verifyMessage).to.match(/^1 invariants? holds?/);
    expect(JSON.stringify(invariants.figures)).to.contain("supply");
  });

  it("fails the run when the module's invariant is violated, and rolls the upgrade back", async () => {
    const records = recordsDir();
    useModule(records, async () => (await import("./fixtures/fee-slot-preset")).preset);
    const result = await upgrade();
    expect(result.exitCode, result.stdout).to.equal(1);
    const report = onlyReport(records);
    const invariants = report.steps.find((step) => step.shortId === "invariants")!;
    expect(invariants.verdict).to.equal("stop");
    expect(invariants.verifyMessage).to.contain("slot 1 is 5, not 0");
    expect(report.run.status).to.not.equal("completed");
    // Rolled back: the proxy runs V1 again, unpaused.
    expect((await readProxyInfo(hre.ethers.provider, proxy)).implementation).to.equal(v1);
    const token = await hre.ethers.getContractAt("PausableTokenV1", proxy);
    expect(await token.paused()).to.equal(false);
  });
});
