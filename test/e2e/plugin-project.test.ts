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
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("AEGIS_") && !name.startsWith("TS_NODE_"),
    ),
  );
  return { ...env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" };
}

/** Runs a program in `cwd` as its own process and collects what it printed. */
async function run(file: string, args: string[], cwd: string): Promise<CliResult> {
  const child = spawn(file, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
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

/** Links a package of this repository's node_modules into a project's, as npm would place it. */
function linkPackage(project: string, name: string): void {
  const target = path.join(project, "node_modules", name);
  if (fs.existsSync(target)) return;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules", name), target, "dir");
}

/**
 * `npm install --save-dev <tarball>` without a registry: the tarball unpacked as
 * node_modules/aegis-upgrade-toolkit (its files exactly as packed), its dependencies and
 * required peer dependencies linked from this repository's node_modules (the versions it pins),
 * and the package.json entry npm would add. Node resolves a linked package's own dependencies
 * from where it really lies, as it would in a real install.
 */
async function installOffline(project: string, tarball: string): Promise<void> {
  const dir = path.join(project, "node_modules", PACKAGE);
  fs.mkdirSync(dir, { recursive: true });
  await promisify(execFile)("tar", ["-xzf", tarball, "-C", dir, "--strip-components=1"]);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const optional = manifest.peerDependenciesMeta ?? {};
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter(
    (name) => optional[name]?.optional !== true,
  );
  for (const name of [...Object.keys(manifest.dependencies ?? {}), ...peers]) {
    linkPackage(project, name);
  }
  const projectManifest = path.join(project, "package.json");
  const own = JSON.parse(fs.readFileSync(projectManifest, "utf8"));
  own.devDependencies[PACKAGE] = `file:${tarball}`;
  fs.writeFileSync(projectManifest, `${JSON.stringify(own, null, 2)}\n`);
}

/**
 * A user's Hardhat project as it stands before the toolkit: its package.json, tsconfig.json and
 * installed tools, the token's two versions, and the script that deployed the token.
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
  for (const name of PROJECT_DEV_DEPENDENCIES) linkPackage(project, name);
  for (const version of ["V1", "V2"]) {
    fs.copyFileSync(
      path.join(PROJECT_ROOT, "contracts", "test", `PausableToken${version}.sol`),
      path.join(project, "contracts", `PausableToken${version}.sol`),
    );
  }
  fs.copyFileSync(
    path.join(__dirname, "fixtures", "plugin-project", "deploy-token.ts"),
    path.join(project, "scripts", "deploy-token.ts"),
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

/**
 * The toolkit installed in another Hardhat project from its packed tarball, enabled by one
 * import line, upgrading a token that project deployed with OpenZeppelin's plugin: every step
 * of the README's "Use it on your protocol", as written, offline, on a real `hardhat node`.
 */
describe("the toolkit as a Hardhat plugin in another project (README: Use it on your protocol)", () => {
  const walkthrough = readmeWalkthrough();
  let root: string;
  let project: string;
  let node: LocalNode;
  let packed: CliResult;
  /** The README's tarball path, in this test's folder. */
  let tarball: string;

  /** A README line with its placeholders (the pack folder, the node's URL) made this test's. */
  const localize = (line: string) =>
    line.replaceAll(`${README_PACK_DIR}/`, `${root}/`).replaceAll(README_NODE_URL, node.url);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-plugin-"));
    project = path.join(root, "my-protocol");
    const [pack, install] = walkthrough.commands;
    expect(pack, "the README packs the toolkit first").to.match(/^npm pack /);
    expect(install, "then installs the tarball").to.match(/^npm install --save-dev \S+\.tgz$/);
    // Packing builds dist/ (prepack) while the node starts: the two slowest things, together.
    const packArgs = words(pack!.replace(README_PACK_DIR, root)).slice(1);
    [node, packed] = await Promise.all([startHardhatNode(), run("npm", packArgs, PROJECT_ROOT)]);
    tarball = words(localize(install!)).at(-1)!;
  });

  after(async () => {
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
  });

  it("installs from the tarball, compiles offline and upgrades an OZ-deployed proxy, step by step as the README says", async () => {
    expect(packed.code, packed.stderr).to.equal(0);
    createProject(project);
    const hardhatCli = path.join(
      project,
      "node_modules",
      "hardhat",
      "internal",
      "cli",
      "bootstrap.js",
    );
    const hardhat = (args: string[]) => run(process.execPath, [hardhatCli, ...args], project);
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    try {
      const [, install, ...rest] = walkthrough.commands;
      await installOffline(project, words(localize(install!)).at(-1)!);
      fs.writeFileSync(path.join(project, "hardhat.config.ts"), localize(walkthrough.config));
      expect(walkthrough.config).to.match(/^import "aegis-upgrade-toolkit";$/m);

      // The project as it was before the toolkit: its token deployed with upgrades.deployProxy
      // (the first compile, offline, with the config's aegis.offlineCompiler). Meanwhile, the
      // project type-checks against the package's declarations: the aegis section is typed.
      const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
      const [deployedRun, typecheck] = await Promise.all([
        hardhat(["run", "scripts/deploy-token.ts", "--network", "localhost"]),
        run(process.execPath, [tsc, "--noEmit", "-p", project], project),
      ]);
      const line = deployedRun.stdout.split("\n").find((text) => text.startsWith("DEPLOYED "));
      expect(deployedRun.code, deployedRun.stderr + deployedRun.stdout).to.equal(0);
      expect(typecheck.code, typecheck.stdout + typecheck.stderr).to.equal(0);
      const deployed = JSON.parse(line!.slice("DEPLOYED ".length)) as {
        proxy: string;
        implementation: string;
        holders: string[];
      };
      const token = new ethers.Contract(deployed.proxy, TOKEN_ABI, provider);
      const holdings = async () => ({
        totalSupply: String(await token.getFunction("totalSupply")()),
        balances: await Promise.all(
          deployed.holders.map(async (h) => String(await token.getFunction("balanceOf")(h))),
        ),
      });
      const held = await holdings();
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
      expect(imported.stdout).to.contain(`imported Token: proxy ${deployed.proxy}`);
      expect(imported.stdout).to.contain("runtime bytecode matches the build");
      expect(ran[2]!.result.stdout).to.contain("Dry run complete: nothing was sent.");
      expect(ran[3]!.result.stdout).to.match(/^PASSED plan /m);
      expect(ran[4]!.result.stdout).to.contain("Upgrade complete.");

      // What a user checks: V2 runs behind the same proxy, unpaused, with its reinitializer's
      // value, and nobody's balance moved.
      const info = await readProxyInfo(provider, deployed.proxy);
      expect(info.implementation).to.not.equal(deployed.implementation);
      expect(await token.getFunction("version")()).to.equal("2");
      expect(await token.getFunction("feeBps")()).to.equal(25n);
      expect(await token.getFunction("paused")()).to.equal(false);
      expect(await holdings()).to.deep.equal(held);

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
      ) as { run: { status: string }; steps: Array<{ shortId: string; verdict?: string }> };
      expect(report.run.status).to.equal("completed");
      expect(report.steps.map((step) => step.shortId)).to.include.members(["pause", "upgrade"]);
      expect(report.steps.every((step) => step.verdict === "go")).to.equal(true);
      expect(fs.existsSync(path.join(deployments, "runs", runs[1]!, "report.md"))).to.equal(true);
      expect(ran[5]!.result.stdout).to.match(new RegExp(`${runs[1]}\\s.*completed`));
    } finally {
      provider.destroy();
    }
  });
});
