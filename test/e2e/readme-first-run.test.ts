import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import { HARDHAT_CLI, PROJECT_ROOT, startHardhatNode, type LocalNode } from "../helpers/local-node";
import { runHardhat } from "../helpers/hardhat-cli";
import { runOnTerminal } from "../helpers/terminal";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { AegisEngineV2__factory } from "../../typechain-types";

/** The shell commands of the README's "A first run", in order, as a reader copies them. */
function firstRunCommands(): string[] {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## A first run");
  const end = readme.indexOf("### When a run is interrupted");
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  return blocks
    .join("\n")
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "");
}

/** Splits a command line the way a POSIX shell would for these simple, quoted words. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? (match[3] as string),
  );
}

describe("the README's first run, top to bottom, on a fresh node", () => {
  let node: LocalNode;
  let workDir: string;

  before(async () => {
    node = await startHardhatNode();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-readme-"));
  });
  after(async () => {
    await node?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("runs every command as written, answering the prompts, and ends on V2, unpaused", async () => {
    const commands = firstRunCommands();
    expect(commands[0]).to.equal("npx hardhat node");
    const env = {
      AEGIS_LOCALHOST_URL: node.url,
      AEGIS_DEPLOYMENTS_DIR: path.join(workDir, "deployments"),
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    };
    const ran: string[] = [];
    for (const line of commands.slice(1)) {
      // The node of this test stands in for the one the README starts on port 8545; files the
      // reader would write beside the project go to this test's folder.
      const args = words(line.replace("http://127.0.0.1:8545", node.url))
        .slice(2)
        .map((word) => (word.endsWith(".json") ? path.join(workDir, word) : word));
      expect(line.startsWith("npx hardhat "), line).to.equal(true);
      const asks =
        (args[0] === "aegis:upgrade" && !args.includes("--yes") && !args.includes("--dry-run")) ||
        (args[0] === "aegis:rollback" && !args.includes("--yes"));
      const result = asks
        ? await runOnTerminal(
            [process.execPath, HARDHAT_CLI, ...args].map((word) => `'${word}'`).join(" "),
            { cwd: PROJECT_ROOT, env, prompt: /\[y\/N\]/, answer: "y" },
          )
        : await runHardhat(args, env, { asTyped: true });
      ran.push(`${line} -> ${result.code}`);
      expect(result.code, `${ran.join("\n")}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    }
    expect(ran.map((entry) => entry.split(" ")[2])).to.include.members([
      "aegis:deploy",
      "aegis:layout",
      "aegis:rehearse",
      "aegis:upgrade",
      "aegis:rollback",
    ]);

    const provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    try {
      const record = readDeploymentRecord(
        path.join(workDir, "deployments", "localhost", "AegisEngine.json"),
        "localhost",
      );
      expect(record.current.contract).to.equal("AegisEngineV2");
      const engine = AegisEngineV2__factory.connect(record.proxy, provider);
      expect((await readProxyInfo(provider, record.proxy)).implementation).to.equal(
        record.current.implementation,
      );
      expect(await engine.paused()).to.equal(false);
      expect(await engine.newFeatureEnabled()).to.equal(1n);
    } finally {
      provider.destroy();
    }
  });
});
