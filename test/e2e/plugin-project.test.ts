import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ethers } from "ethers";
import { PROJECT_ROOT, startHardhatNode, type LocalNode } from "../helpers/local-node";
import type { CliResult } from "../helpers/hardhat-cli";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { placeInstalledPackages } from "../helpers/offline-install";

const PACKAGE = "aegis-upgrade-toolkit";
/** Where the README packs the tarball to; this test's own folder stands in for it. */
const README_PACK_DIR = "/tmp";
/** The node the README's project talks to; this test's node (on a free port) stands in for it. */
const README_NODE_URL = "http://127.0.0.1:8545";

/** What the README's section tells a reader to do: its commands in order and its config file. */
interface Walkthrough {
  commands: string[];
  config: string;
}

/** The README's "Use it on your protocol": its shell commands and its hardhat.config.ts. */
function readmeWalkthrough(): Walkthrough {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Use it on your protocol");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  const blocks = (lang: string) =>
    [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map(
      (match) => match[1] as string,
    );
  const commands = blocks("sh")
    .join("\n")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "");
  return { commands, config: blocks("ts")[0] ?? "" };
}

/** Splits a command line into words (the README's commands quote nothing). */
const words = (line: string) => line.split(/\s+/);

/** The environment of a user's shell: none of this repository's test settings leak into it. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("AEGIS_") && !name.startsWith("TS_NODE_"),
    ),
  );
  return { ...env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", ...extra };
}

/** Runs a program in `cwd` as its own process and collects what it printed. */
async function run(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const child = spawn(file, args, {
    cwd,
    env: userEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

/** This repository's version of a package, from its package.json. */
function pinned(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  const version = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
  if (version === undefined) throw new Error(`${name} is not a dependency of this repository`);
  return version as string;
}

/** What a user's Hardhat project that deploys with OpenZeppelin's plugin has installed. */
const PROJECT_DEV_DEPENDENCIES = [
  "hardhat",
  "ethers",
  "@nomicfoundation/hardhat-ethers",
  "@openzeppelin/hardhat-upgrades",
  "@openzeppelin/contracts",
  "@openzeppelin/contracts-upgradeable",
  "typescript",
  "ts-node",
  "@types/node",
];

/**
 * Flags the test adds to the README's `npm install` so that it runs without a registry:
 * `--offline`, and `--legacy-peer-deps` because npm fetches the registry's metadata of a new
 * package's peers (hardhat, ethers, ...) to check them even when the project has them
 * installed, and offline it has none. Everything else is npm's own doing.
 */
const OFFLINE_INSTALL = ["--offline", "--legacy-peer-deps", "--no-audit", "--no-fund"];

/** The tokens a user's project deployed (its contracts, copied from this repository's tests). */
const PROJECT_CONTRACTS = [
  "PausableTokenV1",
  "PausableTokenV2",
  "PausableTokenUupsV1",
  "PausableTokenUupsV2",
  "PlainTokenV1",
  "PlainTokenV2",
];

/**
 * A user's Hardhat project as it stands before the toolkit: its package.json, tsconfig.json,
 * package-lock.json and installed packages (taken from this repository's node_modules, with the
 * toolkit's own dependencies, which npm then finds in place), its tokens' contracts, and the
 * script that deployed them.
 */
function createProject(project: string): void {
  fs.mkdirSync(path.join(project, "contracts"), { recursive: true });
  fs.mkdirSync(path.join(project, "scripts"), { recursive: true });
  const devDependencies = Object.fromEntries(
    PROJECT_DEV_DEPENDENCIES.map((name) => [name, pinned(name)]),
  );
  fs.writeFileSync(
    path.join(project, "package.json"),
    `${JSON.stringify({ name: "my-protocol", private: true, devDependencies }, null, 2)}\n`,
  );
  fs.writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "commonjs",
        moduleResolution: "node",
        esModuleInterop: true,
        strict: true,
        skipLibCheck: true,
        resolveJsonModule: true,
        types: ["node"],
      },
      include: ["hardhat.config.ts", "scripts"],
    }),
  );
  const toolkit = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  placeInstalledPackages(PROJECT_ROOT, project, [
    ...PROJECT_DEV_DEPENDENCIES,
    ...Object.keys(toolkit.dependencies as Record<string, string>),
  ]);
  for (const name of PROJECT_CONTRACTS) {
    fs.copyFileSync(
      path.join(PROJECT_ROOT, "contracts", "test", `${name}.sol`),
      path.join(project, "contracts", `${name}.sol`),
    );
  }
  fs.copyFileSync(
    path.join(__dirname, "fixtures", "plugin-project", "deploy-token.ts"),
    path.join(project, "scripts", "deploy-token.ts"),
  );
}

/**
 * The README's config with the presets of the project's two other tokens beside the README's
 * `Token`: the UUPS one (imported as `TokenUups`) and the one without pause (imported by
 * aegis:upgrade under its contract's name), both with their supply and balances as invariants,
 * the holders found in Transfer events as the README's are (its `TRANSFER`).
 */
function withOtherPresets(config: string): string {
  const checks = `{
        accounts: { holders: { event: TRANSFER, args: ["from", "to"] } },
        invariants: [
          { view: "totalSupply()", unchanged: true },
          { view: "balanceOf(holders)", unchanged: true },
        ],
        snapshotKeys: [
          {
            mapping: "erc7201:openzeppelin.storage.ERC20:_balances",
            event: TRANSFER,
            args: ["from", "to"],
            skipZero: true,
          },
        ],
      }`;
  const anchor = "    presets: {\n";
  expect(config, "the README's config has aegis.presets").to.contain(anchor);
  return config.replace(
    anchor,
    `${anchor}      TokenUups: ${checks},\n      PlainTokenV1: ${checks},\n`,
  );
}

/** Every file a tarball holds, without npm's `package/` prefix. */
async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("tar", ["-tzf", tarball]);
  return stdout
    .split("\n")
    .filter((line) => line !== "" && !line.endsWith("/"))
    .map((line) => line.replace(/^package\//, ""));
}

const TOKEN_ABI = [
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
  "function paused() view returns (bool)",
  "function feeBps() view returns (uint256)",
  "function version() view returns (string)",
];

/** What scripts/deploy-token.ts deployed in the project. */
interface Deployed {
  token: { proxy: string; implementation: string };
  uups: { proxy: string; implementation: string };
  plain: { proxy: string; implementation: string };
  owner: string;
  holders: string[];
}

/** The parts of a run report these tests read. */
interface RunReportJson {
  run: { status: string };
  steps: Array<{ shortId: string; verdict?: string; verifyMessage?: string }>;
  beforeAfter: Array<{ step: string; figure: string }>;
}

/**
 * The toolkit installed in another Hardhat project from its packed tarball, enabled by one
 * import line, upgrading tokens that project deployed with OpenZeppelin's plugin: every step
 * of the README's "Use it on your protocol", as written, offline, on a real `hardhat node`;
 * then, in the same project and on the same node, a UUPS proxy and a token without pause.
 */
describe("the toolkit as a Hardhat plugin in another project (README: Use it on your protocol)", () => {
  const walkthrough = readmeWalkthrough();
  let root: string;
  let project: string;
  let node: LocalNode;
  let provider: ethers.JsonRpcProvider;
  let packed: CliResult;
  let installed: CliResult;
  let typecheck: CliResult;
  let deployed: Deployed;
  /** The README's tarball path, in this test's folder. */
  let tarball: string;

  /** A README line with its placeholders (the pack folder, the node's URL) made this test's. */
  const localize = (line: string) =>
    line.replaceAll(`${README_PACK_DIR}/`, `${root}/`).replaceAll(README_NODE_URL, node.url);

  /** `npx hardhat <args>` in the project, with its own Hardhat; `records` aims it elsewhere. */
  function hardhat(args: string[], records?: string): Promise<CliResult> {
    const cli = path.join(project, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
    const env: Record<string, string> =
      records === undefined ? {} : { AEGIS_DEPLOYMENTS_DIR: records };
    return run(process.execPath, [cli, ...args], project, env);
  }

  const tokenAt = (address: string) => new ethers.Contract(address, TOKEN_ABI, provider);
  /** Supply and every holder's balance, as strings, for before/after comparisons. */
  async function holdings(address: string) {
    const token = tokenAt(address);
    return {
      totalSupply: String(await token.getFunction("totalSupply")()),
      balances: await Promise.all(
        deployed.holders.map(async (h) => String(await token.getFunction("balanceOf")(h))),
      ),
    };
  }
  /** The one run of a records folder: its id and JSON report. */
  function onlyRun(records: string): { runId: string; report: RunReportJson } {
    const runs = fs.readdirSync(path.join(records, "localhost", "runs"));
    expect(runs).to.have.length(1);
    const file = path.join(records, "localhost", "runs", runs[0]!, "report.json");
    return { runId: runs[0]!, report: JSON.parse(fs.readFileSync(file, "utf8")) as RunReportJson };
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-plugin-"));
    project = path.join(root, "my-protocol");
    const [pack, install] = walkthrough.commands;
    expect(pack, "the README packs the toolkit first").to.match(/^npm pack /);
    expect(install, "then installs the tarball").to.match(/^npm install --save-dev \S+\.tgz$/);
    // Packing builds dist/ (prepack) while the node starts and the project takes shape.
    const packArgs = words(pack!.replace(README_PACK_DIR, root)).slice(1);
    const packing = run("npm", packArgs, PROJECT_ROOT);
    [node] = await Promise.all([startHardhatNode(), Promise.resolve(createProject(project))]);
    packed = await packing;
    provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    tarball = words(localize(install!)).at(-1)!;
    if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);

    // The README's install, for real: npm unpacks the tarball, finds its dependencies in place
    // and records it in package.json and package-lock.json.
    installed = await run(
      "npm",
      [...words(localize(install!)).slice(1), ...OFFLINE_INSTALL],
      project,
    );
    if (installed.code !== 0) throw new Error(`npm install failed: ${installed.stderr}`);
    fs.writeFileSync(
      path.join(project, "hardhat.config.ts"),
      withOtherPresets(localize(walkthrough.config)),
    );
    // The project as it was before the toolkit: its tokens deployed with upgrades.deployProxy
    // (the first compile, offline, with the config's aegis.offlineCompiler). Meanwhile, the
    // project type-checks against the package's declarations: the aegis section is typed.
    const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
    let deployedRun: CliResult;
    [deployedRun, typecheck] = await Promise.all([
      hardhat(["run", "scripts/deploy-token.ts", "--network", "localhost"]),
      run(process.execPath, [tsc, "--noEmit", "-p", project], project),
    ]);
    const line = deployedRun.stdout.split("\n").find((text) => text.startsWith("DEPLOYED "));
    if (deployedRun.code !== 0 || line === undefined) {
      throw new Error(`deploying the tokens failed: ${deployedRun.stderr}${deployedRun.stdout}`);
    }
    deployed = JSON.parse(line.slice("DEPLOYED ".length)) as Deployed;
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
    if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  });

  it("packs compiled JavaScript and its types only: no sources, contracts, tests or reference protocol", async () => {
    expect(packed.code, packed.stderr).to.equal(0);
    expect(fs.existsSync(tarball), `${tarball} (${packed.stdout})`).to.equal(true);
    const files = await tarballFiles(tarball);
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(files).to.include.members([
      "package.json",
      "README.md",
      manifest.main,
      manifest.types,
      "dist/tasks/import.js",
      "dist/tasks/upgrade.js",
      "dist/tasks/rehearse.js",
      "dist/tasks/layout.js",
      "dist/tasks/snapshot.js",
      "dist/src/core/run-plan.js",
    ]);
    const unexpected = files.filter(
      (file) =>
        !["package.json", "README.md"].includes(file) &&
        !/^dist\/(src|tasks)\/.+\.(js|d\.ts)$/.test(file),
    );
    expect(unexpected).to.deep.equal([]);
    // The reference protocol and this repository's own tasks stay here.
    expect(
      files.filter((file) => /\/aegis\/|aegis-reference|deploy\.|test-files/.test(file)),
    ).to.deep.equal([]);

    // npm installed it from the tarball: unpacked as it was packed, recorded as a file
    // dependency, its own dependencies found in place (nothing else added).
    expect(installed.stdout).to.match(/^added 1 package\b/m);
    const dir = path.join(project, "node_modules", PACKAGE);
    expect(fs.lstatSync(dir).isDirectory()).to.equal(true);
    for (const file of files) expect(fs.existsSync(path.join(dir, file)), file).to.equal(true);
    const own = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
    expect(own.devDependencies[PACKAGE]).to.match(/^file:.*aegis-upgrade-toolkit-.*\.tgz$/);
    const lock = JSON.parse(fs.readFileSync(path.join(project, "package-lock.json"), "utf8"));
    expect(lock.packages[`node_modules/${PACKAGE}`]).to.include({ version: manifest.version });
    expect(lock.packages[`node_modules/${PACKAGE}`].integrity).to.match(/^sha512-/);
    expect(typecheck.code, typecheck.stdout + typecheck.stderr).to.equal(0);
  });

  it("compiles offline and upgrades an OZ-deployed proxy, step by step as the README says", async () => {
    const [, , ...rest] = walkthrough.commands;
    expect(walkthrough.config).to.match(/^import "aegis-upgrade-toolkit";$/m);
    expect(walkthrough.config).to.not.contain(deployed.holders[0]!);
    // The README's token is the project's first deployment on a fresh node: its address is the
    // one the README's commands name.
    expect(rest.join("\n")).to.contain(deployed.token.proxy);
    const held = await holdings(deployed.token.proxy);
    expect(held.balances).to.not.include("0");

    const ran: Array<{ line: string; result: CliResult }> = [];
    for (const readmeLine of rest) {
      const args = words(localize(readmeLine));
      expect(readmeLine.startsWith("npx hardhat "), readmeLine).to.equal(true);
      const blockBefore = await provider.getBlockNumber();
      const result = await hardhat(args.slice(2));
      ran.push({ line: readmeLine, result });
      const transcript = ran.map((r) => `${r.line} -> ${r.result.code}`).join("\n");
      expect(result.code, `${transcript}\n${result.stdout}\n${result.stderr}`).to.equal(0);
      // Only the upgrade itself sends transactions to the node.
      if (!args.includes("--yes")) {
        expect(await provider.getBlockNumber(), readmeLine).to.equal(blockBefore);
      }
    }
    const commands = ran.map((r) => words(r.line)[2]);
    expect(commands).to.deep.equal([
      "aegis:import",
      "aegis:layout",
      "aegis:upgrade",
      "aegis:rehearse",
      "aegis:upgrade",
      "aegis:status",
    ]);
    const imported = ran[0]!.result;
    expect(imported.stdout).to.contain(`imported Token: proxy ${deployed.token.proxy}`);
    expect(imported.stdout).to.contain("runtime bytecode matches the build");
    expect(ran[2]!.result.stdout).to.contain("Dry run complete: nothing was sent.");
    expect(ran[3]!.result.stdout).to.match(/^PASSED plan /m);
    expect(ran[4]!.result.stdout).to.contain("Upgrade complete.");

    // What a user checks: V2 runs behind the same proxy, unpaused, with its reinitializer's
    // value, and nobody's balance moved.
    const token = tokenAt(deployed.token.proxy);
    const info = await readProxyInfo(provider, deployed.token.proxy);
    expect(info.implementation).to.not.equal(deployed.token.implementation);
    expect(await token.getFunction("version")()).to.equal("2");
    expect(await token.getFunction("feeBps")()).to.equal(25n);
    expect(await token.getFunction("paused")()).to.equal(false);
    expect(await holdings(deployed.token.proxy)).to.deep.equal(held);

    // The files the README names: the record, the layout report, the receipt, the run.
    const deployments = path.join(project, "deployments", "localhost");
    const record = readDeploymentRecord(path.join(deployments, "Token.json"), "localhost");
    expect(record.current).to.include({
      contract: "PausableTokenV2",
      implementation: info.implementation,
    });
    expect(record.imported?.identity).to.equal("bytecode");
    const layout = JSON.parse(
      fs.readFileSync(path.join(project, "reports", "token-v2.json"), "utf8"),
    ) as { pass: boolean };
    expect(layout.pass).to.equal(true);
    const layoutMarkdown = fs.readFileSync(path.join(project, "reports", "token-v2.md"), "utf8");
    expect(layoutMarkdown).to.match(/\| appended \|.*`feeBps`/);
    const receipts = fs.readdirSync(path.join(deployments, "rehearsals"));
    expect(receipts).to.have.length(1);
    const receipt = JSON.parse(
      fs.readFileSync(path.join(deployments, "rehearsals", receipts[0]!, "receipt.json"), "utf8"),
    ) as { passed: boolean; engine: string };
    expect(receipt).to.include({ passed: true, engine: "hardhat" });
    const runs = fs.readdirSync(path.join(deployments, "runs")).sort();
    expect(runs).to.have.length(2);
    const report = JSON.parse(
      fs.readFileSync(path.join(deployments, "runs", runs[1]!, "report.json"), "utf8"),
    ) as RunReportJson;
    expect(report.run.status).to.equal("completed");
    expect(report.steps.map((step) => step.shortId)).to.include.members(["pause", "upgrade"]);
    expect(report.steps.every((step) => step.verdict === "go")).to.equal(true);
    // Every holder's balance was compared, though the config lists none: Transfer events named them.
    const compared = report.beforeAfter
      .filter((row) => row.step.endsWith("#invariants"))
      .map((row) => row.figure);
    for (const holder of deployed.holders) {
      expect(
        compared.some((figure) => figure.endsWith(`balanceOf(${holder})`)),
        holder,
      ).to.equal(true);
    }
    expect(fs.existsSync(path.join(deployments, "runs", runs[1]!, "report.md"))).to.equal(true);
    expect(ran[5]!.result.stdout).to.match(new RegExp(`${runs[1]}\\s.*completed`));
  });

  it("imports a UUPS proxy in the same project, rehearses it on a fork and upgrades it through the proxy itself", async () => {
    const records = path.join(project, "deployments-uups");
    const held = await holdings(deployed.uups.proxy);
    const blockBefore = await provider.getBlockNumber();
    const localhost = ["--network", "localhost"];
    const imported = await hardhat(
      ["aegis:import", ...localhost, "--proxy", deployed.uups.proxy, "--name", "TokenUups"],
      records,
    );
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stdout).to.contain(
      `imported TokenUups: proxy ${deployed.uups.proxy} (UUPS, upgraded through the proxy itself (owner ${deployed.owner}))`,
    );
    const target = ["--proxy", "TokenUups"];
    const [layout, rehearsed] = await Promise.all([
      hardhat(
        [
          "aegis:layout",
          ...localhost,
          ...target,
          "--new",
          "PausableTokenUupsV2",
          "--out",
          "reports/token-uups-v2",
        ],
        records,
      ),
      hardhat(
        [
          "aegis:rehearse",
          ...localhost,
          ...target,
          "--to",
          "PausableTokenUupsV2",
          "--fork-url",
          node.url,
          "--engine",
          "hardhat",
        ],
        records,
      ),
    ]);
    expect(layout.code, layout.stderr + layout.stdout).to.equal(0);
    expect(rehearsed.code, rehearsed.stderr + rehearsed.stdout).to.equal(0);
    expect(rehearsed.stdout).to.match(/^PASSED plan /m);
    expect(await provider.getBlockNumber()).to.equal(blockBefore);

    const upgraded = await hardhat(
      ["aegis:upgrade", ...localhost, ...target, "--to", "PausableTokenUupsV2", "--yes"],
      records,
    );
    expect(upgraded.code, upgraded.stderr + upgraded.stdout).to.equal(0);
    expect(upgraded.stdout).to.contain("upgradeToAndCall");
    expect(upgraded.stdout).to.contain("Upgrade complete.");

    const token = tokenAt(deployed.uups.proxy);
    const info = await readProxyInfo(provider, deployed.uups.proxy);
    expect(info.kind).to.equal("uups");
    expect(info.implementation).to.not.equal(deployed.uups.implementation);
    expect(await token.getFunction("feeBps")()).to.equal(25n);
    expect(await token.getFunction("paused")()).to.equal(false);
    expect(await holdings(deployed.uups.proxy)).to.deep.equal(held);

    const record = readDeploymentRecord(
      path.join(records, "localhost", "TokenUups.json"),
      "localhost",
    );
    expect(record).to.include({ proxyKind: "uups", proxyAdmin: ethers.ZeroAddress });
    expect(record.current).to.include({
      contract: "PausableTokenUupsV2",
      implementation: info.implementation,
    });
    const layoutReport = JSON.parse(
      fs.readFileSync(path.join(project, "reports", "token-uups-v2.json"), "utf8"),
    ) as { pass: boolean };
    expect(layoutReport.pass).to.equal(true);
    expect(fs.readFileSync(path.join(project, "reports", "token-uups-v2.md"), "utf8")).to.match(
      /\| appended \|.*`feeBps`/,
    );
    const receipts = fs.readdirSync(path.join(records, "localhost", "rehearsals"));
    expect(receipts).to.have.length(1);
    const { report } = onlyRun(records);
    expect(report.run.status).to.equal("completed");
    expect(report.steps.map((step) => step.shortId)).to.include.members(["pause", "unpause"]);
    expect(report.steps.every((step) => step.verdict === "go")).to.equal(true);
    expect(report.steps.find((step) => step.shortId === "invariants")!.verifyMessage).to.match(
      /^2 invariants hold/,
    );
  });

  it("upgrades a token without pause live: aegis:rehearse imports it from OpenZeppelin's manifest, the layout reads it by address, the plan has no pause, and the preview and report say it stays live", async () => {
    const records = path.join(project, "deployments-plain");
    const held = await holdings(deployed.plain.proxy);
    const blockBefore = await provider.getBlockNumber();
    const localhost = ["--network", "localhost"];
    const target = ["--proxy", deployed.plain.proxy];
    // By address, with no record: the rehearsal imports it from the manifest, as aegis:upgrade
    // would; the layout reads the live implementation's layout from the manifest (or the
    // record, should the rehearsal have written it first: the same layout either way).
    // An address the manifest lists as no proxy (the implementation): refused as before.
    const unlisted = deployed.plain.implementation;
    const [layout, rehearsed, refused] = await Promise.all([
      hardhat(
        [
          "aegis:layout",
          ...localhost,
          ...target,
          "--new",
          "PlainTokenV2",
          "--out",
          "reports/plain-v2",
        ],
        records,
      ),
      hardhat(
        [
          "aegis:rehearse",
          ...localhost,
          ...target,
          "--to",
          "PlainTokenV2",
          "--fork-url",
          node.url,
          "--engine",
          "hardhat",
        ],
        records,
      ),
      hardhat(
        [
          "aegis:rehearse",
          ...localhost,
          "--proxy",
          unlisted,
          "--to",
          "PlainTokenV2",
          "--fork-url",
          node.url,
          "--engine",
          "hardhat",
        ],
        records,
      ),
    ]);
    expect(refused.code, refused.stderr + refused.stdout).to.not.equal(0);
    expect(refused.stderr).to.match(/^AEGIS-E309 /m);
    expect(refused.stderr).to.contain(
      `npx hardhat aegis:import --network localhost --proxy ${unlisted}`,
    );
    expect(layout.code, layout.stderr + layout.stdout).to.equal(0);
    expect(rehearsed.code, rehearsed.stderr + rehearsed.stdout).to.equal(0);
    expect(rehearsed.stdout).to.match(/^PASSED plan /m);
    expect(await provider.getBlockNumber()).to.equal(blockBefore);
    const recordPath = path.join(records, "localhost", "PlainTokenV1.json");
    expect(rehearsed.stdout).to.contain(
      `no record described ${deployed.plain.proxy}; OpenZeppelin's manifest lists it, so it is imported as PlainTokenV1 (PlainTokenV1, transparent proxy): ${recordPath}`,
    );
    const imported = readDeploymentRecord(recordPath, "localhost");
    expect(imported.current.contract).to.equal("PlainTokenV1");
    expect(imported.imported?.implementation.toLowerCase()).to.equal(
      deployed.plain.implementation.toLowerCase(),
    );
    // One record, the imported one; one receipt, the passing rehearsal's.
    expect(
      fs.readdirSync(path.join(records, "localhost")).filter((file) => file.endsWith(".json")),
    ).to.deep.equal(["PlainTokenV1.json"]);
    const receipts = fs.readdirSync(path.join(records, "localhost", "rehearsals"));
    expect(receipts).to.have.length(1);
    const rehearsalReport = JSON.parse(
      fs.readFileSync(
        path.join(records, "localhost", "rehearsals", receipts[0]!, "report.json"),
        "utf8",
      ),
    ) as RunReportJson;
    // The rehearsal's run went forward, then back (the report is the run's, rolled back after).
    const receipt = JSON.parse(
      fs.readFileSync(
        path.join(records, "localhost", "rehearsals", receipts[0]!, "receipt.json"),
        "utf8",
      ),
    ) as { passed: boolean; forward: { status: string }; back: { status: string } | null };
    expect(receipt.passed).to.equal(true);
    expect(receipt.forward.status).to.equal("completed");
    expect(receipt.back?.status).to.equal("rolled-back");
    expect(rehearsalReport.run.status).to.equal("rolled-back");
    const rehearsedSteps = rehearsalReport.steps.map((step) => step.shortId);
    expect(rehearsedSteps).to.include("upgrade");
    expect(rehearsedSteps).to.not.include("pause");
    expect(rehearsedSteps).to.not.include("unpause");
    const layoutReport = JSON.parse(
      fs.readFileSync(path.join(project, "reports", "plain-v2.json"), "utf8"),
    ) as { pass: boolean };
    expect(layoutReport.pass).to.equal(true);
    expect(fs.readFileSync(path.join(project, "reports", "plain-v2.md"), "utf8")).to.match(
      /\| appended \|.*`feeBps`/,
    );

    const upgraded = await hardhat(
      [
        "aegis:upgrade",
        "--network",
        "localhost",
        "--proxy",
        deployed.plain.proxy,
        "--to",
        "PlainTokenV2",
        "--call",
        "initializeV2(3)",
        "--monitor-blocks",
        "0",
        "--yes",
      ],
      records,
    );
    expect(upgraded.code, upgraded.stderr + upgraded.stdout).to.equal(0);
    // The rehearsal wrote the record: the upgrade finds it and imports nothing.
    expect(upgraded.stdout).to.not.contain("no record described");
    expect(upgraded.stdout).to.contain(`AEGIS upgrade · PlainTokenV1 ${deployed.plain.proxy}`);
    // The preview, before the question: no pause; the invariants come from the config.
    expect(upgraded.stdout).to.match(/! NO PAUSE: the protocol stays live during the upgrade/);
    expect(upgraded.stdout).to.not.contain("NO INVARIANTS");
    expect(upgraded.stdout).to.not.match(/· (pause|unpause) /);
    expect(await tokenAt(deployed.plain.proxy).getFunction("feeBps")()).to.equal(3n);
    expect(await holdings(deployed.plain.proxy)).to.deep.equal(held);

    const { runId, report } = onlyRun(records);
    expect(report.run.status).to.equal("completed");
    expect(report.steps.map((step) => step.shortId)).to.deep.equal([
      "preflight",
      "snapshot",
      "record-invariants",
      "deploy-implementation",
      "upgrade",
      "invariants",
      "verify-storage",
      "monitor",
    ]);
    const preflight = report.steps.find((step) => step.shortId === "preflight")!;
    expect(preflight.verdict).to.equal("warn");
    expect(preflight.verifyMessage).to.contain("NO PAUSE: the protocol stays live");
    expect(report.steps.find((step) => step.shortId === "invariants")!.verifyMessage).to.match(
      /^2 invariants hold/,
    );
    const markdown = fs.readFileSync(
      path.join(records, "localhost", "runs", runId, "report.md"),
      "utf8",
    );
    expect(markdown).to.contain("NO PAUSE: the protocol stays live during the upgrade");
  });
});
