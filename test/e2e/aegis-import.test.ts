import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import { PROJECT_ROOT, rpc, startHardhatNode, type LocalNode } from "../helpers/local-node";
import { runHardhat, type CliResult } from "../helpers/hardhat-cli";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import { readInitializableState } from "../../src/evm/chain/initializable";
import { EVM_ERROR_CODES } from "../../src/evm/error-codes";
import hre from "hardhat";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { isAegisError, type AegisError } from "../../src/core/errors";
import { importProxy } from "../../src/evm/upgrade/import-proxy";

/** What test/e2e/fixtures/deploy-foreign-tokens.ts deployed. */
interface Deployed {
  owner: string;
  holders: string[];
  token: { proxy: string; implementation: string };
  uups: { proxy: string; implementation: string };
  plain: { proxy: string; implementation: string };
  unmatched: { proxy: string; implementation: string };
  beaconProxy: string;
  /** A UUPS proxy deployed without OpenZeppelin's plugin: its manifest does not list it. */
  unlistedProxy: string;
}

const TOKEN_ABI = [
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
  "function paused() view returns (bool)",
  "function feeBps() view returns (uint256)",
];
const ERC20_BALANCES = "erc7201:openzeppelin.storage.ERC20:_balances";
const TRANSFER = "event Transfer(address indexed from, address indexed to, uint256 value)";

/**
 * A protocol the toolkit did not deploy: pausable OZ-upgradeable tokens deployed with
 * `upgrades.deployProxy` on a real `hardhat node`, adopted with `aegis:import`, then upgraded
 * by the full checklist on the generic preset configured as data in a hardhat.config.ts. The
 * UUPS and the no-pause upgrades run in a separate project (test/e2e/plugin-project.test.ts).
 */
describe("aegis:import and the generic preset, end to end on a real hardhat node", () => {
  let node: LocalNode;
  let provider: ethers.JsonRpcProvider;
  let root: string;
  let deployed: Deployed;
  let snapshotId: string;
  let copies = 0;
  /** The records with the token imported once (tests copy it). */
  let pristine: string;
  let firstImport: CliResult;
  const configs = { good: "", badPause: "" };

  /** A hardhat.config.ts that is the project's with `aegis.presets` set. */
  function writeConfig(name: string, presets: unknown): string {
    const file = path.join(root, `${name}.config.ts`);
    const base = path.join(PROJECT_ROOT, "hardhat.config").split(path.sep).join("/");
    fs.writeFileSync(
      file,
      `import base from ${JSON.stringify(base)};\n` +
        `export default { ...base, paths: { root: ${JSON.stringify(PROJECT_ROOT)} }, ` +
        `aegis: { ...base.aegis, presets: ${JSON.stringify(presets)} } };\n`,
    );
    return file;
  }

  /** Runs `hardhat <args> --network localhost` with a config and a records folder. */
  function hardhat(args: string[], dir: string, config = configs.good): Promise<CliResult> {
    return runHardhat(["--config", config, ...args, "--network", "localhost"], {
      AEGIS_LOCALHOST_URL: node.url,
      AEGIS_DEPLOYMENTS_DIR: dir,
    });
  }

  /** A fresh records folder, empty or a copy of the pristine one. */
  function recordsDir(copyPristine: boolean): string {
    const dir = path.join(root, `records-${++copies}`);
    if (copyPristine) fs.cpSync(pristine, dir, { recursive: true });
    else fs.mkdirSync(dir);
    return dir;
  }

  /** Every file under a folder with its content: "nothing changed" compares two of these. */
  function filesOf(dir: string): Record<string, string> {
    if (!fs.existsSync(dir)) return {};
    const out: Record<string, string> = {};
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, file)] = fs.readFileSync(file, "utf8");
    }
    return out;
  }

  const blockNumber = async () => provider.getBlockNumber();
  const token = (address: string) => new ethers.Contract(address, TOKEN_ABI, provider);
  const runIdsOf = (dir: string) => {
    const runs = path.join(dir, "localhost", "runs");
    return fs.existsSync(runs) ? fs.readdirSync(runs) : [];
  };
  const reportOf = (dir: string, runId: string) =>
    JSON.parse(
      fs.readFileSync(path.join(dir, "localhost", "runs", runId, "report.json"), "utf8"),
    ) as {
      run: { status: string };
      steps: Array<{
        shortId: string;
        verdict?: string;
        verifyMessage?: string;
        figures?: Record<string, unknown>;
      }>;
      beforeAfter: Array<{ step: string; figure: string; before: unknown; after: unknown }>;
    };

  /** Balances and supply of a token, as strings, for before/after comparisons. */
  async function holdings(address: string) {
    const contract = token(address);
    return {
      totalSupply: String(await contract.getFunction("totalSupply")()),
      balances: await Promise.all(
        deployed.holders.map(async (holder) =>
          String(await contract.getFunction("balanceOf")(holder)),
        ),
      ),
    };
  }

  /** Why `aegis:import`'s logic, run in this process against the node, refuses a proxy. */
  async function importRefusal(proxy: string, deploymentsDir: string): Promise<AegisError> {
    const context = {
      provider,
      networkName: "localhost",
      chainId: 31337,
      deploymentsDir,
      build: hre.artifacts,
      validations: await readValidations(hre),
    };
    return importProxy({ proxy, force: false }, context).then(
      () => expect.fail(`${proxy} was imported`),
      (error: unknown) => {
        if (!isAegisError(error)) throw error;
        return error;
      },
    );
  }

  function expectRefused(result: CliResult, code: string): void {
    expect(result.code, result.stdout + result.stderr).to.not.equal(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines[0]).to.match(new RegExp(`^${code} `));
    expect(lines[1]).to.match(/^ {2}hint: /);
    expect(result.stderr).to.not.match(/\n\s+at /); // no stack trace
  }

  before(async () => {
    node = await startHardhatNode();
    provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-import-"));
    const ran = await runHardhat(
      ["run", "--network", "localhost", "test/e2e/fixtures/deploy-foreign-tokens.ts"],
      { AEGIS_LOCALHOST_URL: node.url },
    );
    const line = ran.stdout.split("\n").find((text) => text.startsWith("DEPLOYED "));
    if (ran.code !== 0 || line === undefined) throw new Error(`deploy failed: ${ran.stderr}`);
    deployed = JSON.parse(line.slice("DEPLOYED ".length)) as Deployed;

    const balancesKeys = {
      mapping: ERC20_BALANCES,
      event: TRANSFER,
      args: ["from", "to"],
      skipZero: true,
    };
    configs.good = writeConfig("good", {
      Token: {
        pause: { pause: "pause()", unpause: "unpause()", paused: "paused()" },
        accounts: { holders: deployed.holders },
        views: ["owner()"],
        invariants: [
          { view: "totalSupply()", unchanged: true },
          { view: "balanceOf(holders)", unchanged: true },
          { view: "totalSupply()", atMost: "maxSupply()" },
          { view: "owner()", equals: deployed.owner },
        ],
        snapshotKeys: [balancesKeys],
      },
    });
    configs.badPause = writeConfig("bad-pause", {
      Token: { pause: { pause: "halt()", unpause: "resume()", paused: "halted()" } },
    });

    pristine = path.join(root, "pristine");
    firstImport = await hardhat(
      ["aegis:import", "--proxy", deployed.token.proxy, "--name", "Token"],
      pristine,
    );
    if (firstImport.code !== 0) throw new Error(`aegis:import failed: ${firstImport.stderr}`);
    snapshotId = (await rpc(node.url, "evm_snapshot")) as string;
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
    if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await rpc(node.url, "evm_revert", [snapshotId]);
    // A Hardhat snapshot is used up by reverting to it: take it again for the next test.
    snapshotId = (await rpc(node.url, "evm_snapshot")) as string;
  });

  it("imports a transparent proxy from the chain and the build; a second import is identical; a different record is refused", async () => {
    // The import made before the tests, into the pristine records.
    expect(firstImport.stdout).to.contain("runtime bytecode matches the build");
    const dir = recordsDir(true);
    const recordPath = path.join(dir, "localhost", "Token.json");
    const record = readDeploymentRecord(recordPath, "localhost");
    const info = await readProxyInfo(provider, deployed.token.proxy);
    expect(record.proxy).to.equal(deployed.token.proxy);
    expect(record.proxyKind).to.equal("transparent");
    expect(record.proxyAdmin).to.equal(info.admin);
    expect(record.owner).to.equal(deployed.owner);
    expect(record.current.contract).to.equal("PausableTokenV1");
    expect(record.current.implementation).to.equal(deployed.token.implementation);
    expect(record.current.bytecodeHash).to.equal(
      ethers.keccak256(await provider.getCode(deployed.token.implementation)),
    );
    expect(record.layout.contract).to.equal("PausableTokenV1");
    expect(JSON.stringify(record.layout.storage)).to.contain("maxSupply");
    expect(record.imported).to.include({
      identity: "bytecode",
      layoutSource: "build",
      initializedVersion: 1,
      implementation: deployed.token.implementation,
    });
    expect(record.imported?.warning).to.equal(undefined);

    // A record that says something else about the proxy (here in a second copy) is never
    // overwritten; both imports run at once, each on its own records.
    const alteredDir = recordsDir(true);
    const alteredPath = path.join(alteredDir, "localhost", "Token.json");
    const altered = {
      ...JSON.parse(fs.readFileSync(alteredPath, "utf8")),
      owner: deployed.holders[0],
    };
    fs.writeFileSync(alteredPath, JSON.stringify(altered, null, 2));
    const before = filesOf(alteredDir);
    const [again, conflict] = await Promise.all([
      // Without --name the record would be named after the contract; the proxy's is found.
      hardhat(["aegis:import", "--proxy", deployed.token.proxy], dir),
      hardhat(["aegis:import", "--proxy", deployed.token.proxy, "--name", "Other"], alteredDir),
    ]);
    expect(again!.code, again!.stderr).to.equal(0);
    expect(again!.stdout).to.contain("already imported");
    expect(again!.stdout).to.contain(`${recordPath} describes proxy`);
    expect(again!.stdout).to.contain("nothing written");
    expect(fs.readdirSync(path.join(dir, "localhost"))).to.deep.equal(["Token.json"]);

    expectRefused(conflict!, EVM_ERROR_CODES.IMPORT_CONFLICT);
    expect(conflict!.stderr).to.contain(`owner: the record says ${deployed.holders[0]}`);
    expect(filesOf(alteredDir)).to.deep.equal(before);
  });

  it("upgrades the imported token to V2 through the whole checklist, with invariants as data", async () => {
    const dir = recordsDir(true);
    const held = await holdings(deployed.token.proxy);
    const result = await hardhat(
      [
        "aegis:upgrade",
        "--proxy",
        "Token",
        "--to",
        "PausableTokenV2",
        "--call",
        "initializeV2(25)",
        "--yes",
      ],
      dir,
    );
    expect(result.code, result.stderr + result.stdout).to.equal(0);
    expect(result.stdout).to.contain("Upgrade complete.");

    const info = await readProxyInfo(provider, deployed.token.proxy);
    expect(info.implementation).to.not.equal(deployed.token.implementation);
    expect(await token(deployed.token.proxy).getFunction("feeBps")()).to.equal(25n);
    expect(await token(deployed.token.proxy).getFunction("paused")()).to.equal(false);
    expect(
      (await readInitializableState(provider, deployed.token.proxy)).initializedVersion,
    ).to.equal(2n);
    expect(await holdings(deployed.token.proxy)).to.deep.equal(held);

    const record = readDeploymentRecord(path.join(dir, "localhost", "Token.json"), "localhost");
    expect(record.current.contract).to.equal("PausableTokenV2");
    expect(record.current.implementation).to.equal(info.implementation);
    expect(record.history.map((entry) => entry.implementation)).to.deep.equal([
      deployed.token.implementation,
    ]);

    const [runId] = runIdsOf(dir);
    const report = reportOf(dir, runId!);
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
    // The record keeps what the import found, and the report says where its history starts.
    expect(record.imported).to.include({ implementation: deployed.token.implementation });
    const origin =
      `imported at block ${record.imported!.block} with implementation ${deployed.token.implementation} ` +
      "(contracts/test/PausableTokenV1.sol:PausableTokenV1), initializer version 1: its runtime bytecode matched the build; no history before it";
    const preflight = report.steps.find((step) => step.shortId === "preflight")!;
    expect(preflight.figures?.imported).to.equal(origin);
    expect(preflight.verifyMessage).to.contain(origin);
    const invariants = report.steps.find((step) => step.shortId === "invariants")!;
    expect(invariants.verifyMessage).to.match(/^4 invariants hold/);
    // Every listed balance, before and after, side by side in the report.
    for (const [index, holder] of deployed.holders.entries()) {
      const row = report.beforeAfter.find(
        (entry) =>
          entry.step.endsWith("#invariants") && entry.figure.endsWith(`balanceOf(${holder})`),
      );
      expect(row, holder).to.not.equal(undefined);
      expect(String((row!.before as { $bigint?: string }).$bigint ?? row!.before)).to.equal(
        held.balances[index],
      );
    }
    // The holders' balances were snapshotted (keys from Transfer events) and did not move.
    const storage = report.steps.find((step) => step.shortId === "verify-storage")!;
    expect(storage.figures?.unexpectedChanges).to.equal(0);
  });

  it("refuses an implementation that matches no build, naming the closest; --force imports it with a warning every later report carries", async () => {
    const [refusedDir, dir] = [recordsDir(false), recordsDir(false)];
    // The refusal in this process (its format on stderr is the same for every code, shown by the
    // bad-input test); the forced import as the user runs it.
    const refused = await importRefusal(deployed.unmatched.proxy, refusedDir);
    expect(refused.code).to.equal(EVM_ERROR_CODES.IMPLEMENTATION_UNMATCHED);
    expect(refused.message).to.match(/closest: PausableTokenV1 \(/);
    expect(refused.hint).to.contain("--force");
    expect(filesOf(refusedDir)).to.deep.equal({});
    const forced = await hardhat(
      [
        "aegis:import",
        "--proxy",
        deployed.unmatched.proxy,
        "--name",
        "Odd",
        "--contract",
        "PausableTokenV1",
        "--force",
      ],
      dir,
    );

    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stderr).to.match(
      /^WARNING: implementation 0x[0-9a-fA-F]{40} matched no build of PausableTokenV1/m,
    );
    const record = readDeploymentRecord(path.join(dir, "localhost", "Odd.json"), "localhost");
    expect(record.imported?.identity).to.equal("forced");
    expect(record.imported?.warning).to.contain("unverified");

    const dry = await hardhat(
      [
        "aegis:upgrade",
        "--proxy",
        "Odd",
        "--to",
        "PausableTokenV2",
        "--call",
        "initializeV2(1)",
        "--dry-run",
      ],
      dir,
    );
    expect(dry.code, dry.stderr + dry.stdout).to.equal(0);
    expect(dry.stdout).to.match(/! preflight .*FORCED IMPORT: implementation/);
    const report = reportOf(dir, runIdsOf(dir)[0]!);
    expect(report.steps[0]!.verdict).to.equal("warn");
    expect(report.steps[0]!.verifyMessage).to.contain("FORCED IMPORT");
  });

  it("refuses bad input with a code and a hint, exits non-zero and changes nothing", async () => {
    const empty = recordsDir(false);
    const withToken = recordsDir(true);
    const before = { block: await blockNumber(), token: filesOf(withToken) };
    const upgradeToken = ["aegis:upgrade", "--proxy", "Token", "--to", "PausableTokenV2", "--yes"];
    // Refusals of the import itself, in this process: a process would prove no more than the
    // three below do (the code and hint on stderr, the exit code).
    const notAProxy = await importRefusal(deployed.token.implementation, empty);
    expect(notAProxy.code).to.equal(EVM_ERROR_CODES.NOT_A_PROXY);
    expect(notAProxy.message).to.contain("implementation slot is empty");
    expect(notAProxy.hint).to.not.equal("");
    const beacon = await importRefusal(deployed.beaconProxy, empty);
    expect(beacon.code).to.equal(EVM_ERROR_CODES.UNSUPPORTED_PROXY);
    expect(beacon.message).to.contain("it is a beacon proxy");
    expect(beacon.hint).to.not.equal("");

    const [noRecord, listedBadTo, badPause] = await Promise.all([
      hardhat(
        [
          "aegis:upgrade",
          "--proxy",
          deployed.unlistedProxy,
          "--to",
          "PausableTokenUupsV2",
          "--yes",
        ],
        empty,
      ),
      // Listed in OpenZeppelin's manifest, so it would be imported; refused first for --to.
      hardhat(
        ["aegis:upgrade", "--proxy", deployed.plain.proxy, "--to", "PlainTokenV3", "--yes"],
        empty,
      ),
      hardhat(upgradeToken, withToken, configs.badPause),
    ]);

    // A proxy passed by address that no record describes and OpenZeppelin's manifest does not
    // list: the hint offers the import.
    expectRefused(noRecord!, EVM_ERROR_CODES.RECORD_NOT_FOUND);
    expect(noRecord!.stderr).to.contain(
      `hint: no record describes this proxy yet: import it first (npx hardhat aegis:import --network localhost --proxy ${deployed.unlistedProxy})`,
    );
    // One the manifest lists is imported only once the upgrade's checks pass: no record here.
    expectRefused(listedBadTo!, EVM_ERROR_CODES.UNKNOWN_CONTRACT);
    expect(listedBadTo!.stdout).to.not.contain("imported as");

    expectRefused(badPause!, EVM_ERROR_CODES.PRESET_PAUSE_FUNCTION_MISSING);
    expect(badPause!.stderr).to.contain(
      "aegis.presets.Token.pause.pause: PausableTokenV1 has no function halt()",
    );
    expect(badPause!.stderr).to.contain('pause: "none"');
    // A view the contract lacks (AEGIS-E346) is refused the same way, before the same checks:
    // test/evm/upgrade/generic-preset.test.ts.

    expect(await blockNumber()).to.equal(before.block);
    expect(filesOf(empty)).to.deep.equal({});
    expect(filesOf(withToken)).to.deep.equal(before.token);
  });
});
