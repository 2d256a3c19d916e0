import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { startSeededNode, type SeededNode } from "../helpers/seeded-node";
import { startHardhat } from "../helpers/hardhat-cli";
import {
  createSafe,
  deploySafeInfrastructure,
  hardhatWallet,
  projectArtifact,
  safeArtifact,
  type SafeInfrastructure,
} from "../helpers/governance-fixture";
import { readDeploymentRecord } from "../../src/evm/chain/deployment-record";
import { readProxyInfo } from "../../src/evm/chain/eip1967";
import {
  sendThroughAuthority,
  signingByAccounts,
  type AuthorityHost,
} from "../../src/evm/chain/authority-transaction";
import {
  execTransactionData,
  packSignatures,
  safeDomain,
  safeNonce,
  safeTxHash,
  safeTxMessage,
  SAFE_TX_TYPES,
  type SafeTx,
} from "../../src/evm/chain/safe-transaction";
import { isAegisError } from "../../src/core/errors";

const engineAbi = projectArtifact("contracts/AegisEngineV2.sol", "AegisEngineV2").abi;
const ownable = new ethers.Interface(["function transferOwnership(address newOwner)"]);

/**
 * A transparent AEGIS engine whose ProxyAdmin belongs to a real Safe 1.4.1, 2 of 3 (accounts #0,
 * #1, #2; the CLI signs with #0); the pauser role stays with #0. The run writes the Safe
 * transaction to sign and waits; the owners sign and execute it outside the toolkit; a resume
 * finds it by the Safe's nonce and hash.
 */
describe("aegis:upgrade through a Safe", () => {
  let seeded: SeededNode;
  let provider: ethers.JsonRpcProvider;
  let infrastructure: SafeInfrastructure;
  let safe: string;
  let proxy: string;
  let proxyAdmin: string;

  before(async () => {
    seeded = await startSeededNode(["--seed"], async (node, records) => {
      const chain = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true });
      try {
        const accounts = await chain.listAccounts();
        infrastructure = await deploySafeInfrastructure(await chain.getSigner(5));
        safe = await createSafe(
          infrastructure,
          accounts.slice(0, 3).map((a) => a.address),
          2,
        );
        const record = readDeploymentRecord(
          path.join(records, "localhost", "AegisEngine.json"),
          "localhost",
        );
        proxy = record.proxy;
        proxyAdmin = record.proxyAdmin;
        await (
          await accounts[0]!.sendTransaction({
            to: proxyAdmin,
            data: ownable.encodeFunctionData("transferOwnership", [safe]),
          })
        ).wait();
      } finally {
        chain.destroy();
      }
    });
    // No response cache: the test reads the same slot before and right after a transaction.
    provider = new ethers.JsonRpcProvider(seeded.node.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    });
  });
  after(async () => {
    provider?.destroy();
    await seeded?.stop();
  });
  afterEach(() => seeded.reset());

  const engine = () => new ethers.Contract(proxy, engineAbi, provider);
  const runDir = () => {
    const runs = path.join(seeded.deploymentsDir, "localhost", "runs");
    return path.join(runs, fs.readdirSync(runs)[0]!);
  };
  const journal = () => fs.readFileSync(path.join(runDir(), "journal.jsonl"), "utf8");
  const startedCount = () =>
    journal()
      .split("\n")
      .filter((l) => l.includes('"STEP_STARTED"')).length;

  it("writes the Safe transaction to sign, waits (killed while waiting), and goes on once the owners executed it", async () => {
    const before = (await readProxyInfo(provider, proxy)).implementation;
    const first = await seeded.hardhat([
      "aegis:upgrade",
      "--yes",
      "--to",
      "AegisEngineV2",
      "--no-wait",
    ]);
    expect(first.code, first.stderr + first.stdout).to.equal(3);
    expect(first.stdout).to.contain(`Safe ${safe}: upgradeAndCall needs 2 of 3 owner signatures`);
    expect(await engine().getFunction("paused")()).to.equal(true);

    // What the owners get: a Transaction Builder file, and the hash the run will look for.
    const builder = JSON.parse(
      fs.readFileSync(path.join(runDir(), "upgrade-tx-safe-transaction.json"), "utf8"),
    ) as {
      chainId: string;
      meta: { createdFromSafeAddress: string };
      transactions: Array<{ to: string; data: string }>;
    };
    expect(builder.meta.createdFromSafeAddress).to.equal(safe);
    expect(builder.transactions).to.have.length(1);
    const tx: SafeTx = {
      safe,
      chainId: Number(builder.chainId),
      to: builder.transactions[0]!.to,
      data: builder.transactions[0]!.data,
      nonce: await safeNonce(provider, safe),
    };
    expect(tx.to).to.equal(proxyAdmin);
    expect(first.stdout).to.contain(`Safe transaction ${safeTxHash(tx)} (nonce 0)`);

    const runId = path.basename(runDir());
    const waiting = startHardhat(
      ["aegis:upgrade", "--network", "localhost", "--resume", runId, "--wait", "10m"],
      { AEGIS_LOCALHOST_URL: seeded.node.url, AEGIS_DEPLOYMENTS_DIR: seeded.deploymentsDir },
    );
    const attempts = startedCount();
    while (startedCount() < attempts + 2) await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(waiting.pid, "SIGKILL");
    await waiting.exited;
    expect((await readProxyInfo(provider, proxy)).implementation).to.equal(before);

    // Owners #1 and #2 sign with their keys; account #7, not an owner, submits it.
    const signatures = await Promise.all(
      [1, 2].map(async (index) => ({
        owner: hardhatWallet(index).address,
        signature: await hardhatWallet(index).signTypedData(
          safeDomain(tx),
          SAFE_TX_TYPES,
          safeTxMessage(tx),
        ),
      })),
    );
    const submitter = await provider.getSigner(7);
    await (
      await submitter.sendTransaction({
        to: safe,
        data: execTransactionData(tx, packSignatures(signatures)),
      })
    ).wait();
    expect((await readProxyInfo(provider, proxy)).implementation).to.not.equal(before);

    const resumed = await seeded.hardhat(["aegis:upgrade", "--resume", runId]);
    expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
    expect(await engine().getFunction("newFeatureEnabled")()).to.equal(1n);
    expect(await engine().getFunction("paused")()).to.equal(false);
    expect(journal()).to.not.contain("upgrade-tx-safe-exec");
    // For an auditor: the report names the Safe transaction that made the upgrade.
    expect(fs.readFileSync(path.join(runDir(), "report.md"), "utf8")).to.contain(
      `safe ${safe}; safeTx ${safeTxHash(tx)} (nonce 0)`,
    );
    expect(
      readDeploymentRecord(
        path.join(seeded.deploymentsDir, "localhost", "AegisEngine.json"),
        "localhost",
      ).current.contract,
    ).to.equal("AegisEngineV2");
  });

  it("--sign-locally on a development network: the node's owner accounts sign and the run executes; the rollback goes through the Safe too", async () => {
    const v1 = (await readProxyInfo(provider, proxy)).implementation;
    const result = await seeded.hardhat([
      "aegis:upgrade",
      "--yes",
      "--to",
      "AegisEngineV2",
      "--sign-locally",
    ]);
    expect(result.code, result.stderr + result.stdout).to.equal(0);
    expect(await engine().getFunction("newFeatureEnabled")()).to.equal(1n);
    expect(await safeNonce(provider, safe)).to.equal(1);
    expect(journal()).to.contain('"upgrade-tx-safe-exec"');

    // The rollback goes through the same Safe: its own Safe transaction, nonce 1.
    const back = await seeded.hardhat(["aegis:rollback", "--yes", "--sign-locally"]);
    expect(back.code, back.stderr + back.stdout).to.equal(0);
    expect((await readProxyInfo(provider, proxy)).implementation).to.equal(v1);
    expect(await safeNonce(provider, safe)).to.equal(2);
    expect(journal()).to.contain('"downgrade-tx-safe-exec"');
    expect(await engine().getFunction("paused")()).to.equal(false);
  });

  it("rehearses the exact Safe transaction on a fork; the live run of that plan passes the gate, one with another batch is refused", async () => {
    const blockBefore = await seeded.blockNumber();
    const rehearsal = await seeded.hardhat([
      "aegis:rehearse",
      "--fork-url",
      seeded.node.url,
      "--engine",
      "anvil",
      "--to",
      "AegisEngineV2",
    ]);
    expect(rehearsal.code, rehearsal.stderr + rehearsal.stdout).to.equal(0);
    expect(rehearsal.stdout).to.contain("PASSED");
    expect(await seeded.blockNumber()).to.equal(blockBefore);
    const receipts = path.join(seeded.deploymentsDir, "localhost", "rehearsals");
    const receipt = JSON.parse(
      fs.readFileSync(path.join(receipts, fs.readdirSync(receipts)[0]!, "receipt.json"), "utf8"),
    ) as { forward: { verdicts: Array<{ step: string; figures: Record<string, unknown> }> } };
    const upgrade = receipt.forward.verdicts.find((verdict) => verdict.step === "upgrade")!;
    expect(upgrade.figures.safe).to.equal(safe);
    const rehearsedSafeTx = String(upgrade.figures.safeTx);
    expect(rehearsedSafeTx).to.match(/^0x[0-9a-f]{64} \(nonce 0\)$/);

    // localhost as a live network: the rehearsal gate applies.
    const live = { AEGIS_DEVELOPMENT_NETWORKS: "hardhat" };
    const other = await seeded.hardhat(
      ["aegis:upgrade", "--yes", "--to", "AegisEngineV2", "--call", "none", "--no-wait"],
      live,
    );
    expect(other.code).to.not.equal(0);
    expect(other.stderr).to.match(/^AEGIS-E330 /);
    expect(await seeded.blockNumber()).to.equal(blockBefore);

    const same = await seeded.hardhat(
      ["aegis:upgrade", "--yes", "--to", "AegisEngineV2", "--no-wait"],
      live,
    );
    expect(same.code, same.stderr + same.stdout).to.equal(3);
    // The owners are asked to sign exactly the Safe transaction that was rehearsed.
    expect(same.stdout).to.contain(`Safe transaction ${rehearsedSafeTx.split(" ")[0]} (nonce 0)`);
  });

  describe("bad input, refused with a code and nothing executed", () => {
    /** A step's context reduced to what a routed transaction uses: effects run at once. */
    function host(dir: string): AuthorityHost {
      return {
        runId: "bad-input",
        stepId: "plan#upgrade",
        runDir: dir,
        effect: async (_key, spec) => {
          const intent =
            typeof spec.intent === "function"
              ? await (spec.intent as () => Promise<unknown>)()
              : spec.intent;
          return spec.apply({ intent, note: () => undefined } as never);
        },
        wait: (awaiting) => {
          throw new Error(`waited: ${awaiting.reason}`);
        },
      };
    }
    async function codeOf(promise: Promise<unknown>): Promise<string> {
      try {
        await promise;
      } catch (error) {
        if (isAegisError(error)) return error.code;
        throw error;
      }
      throw new Error("expected a coded error");
    }

    it("an unmet threshold (AEGIS-E354) and a Safe of an unknown version (AEGIS-E353)", async () => {
      const dir = fs.mkdtempSync(path.join(seeded.deploymentsDir, "bad-"));
      const [owner] = await provider.listAccounts();
      // Two of the three owners are keys this network does not have.
      const foreign = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
      const factory = infrastructure.factory.connect(owner!) as ethers.Contract;
      const distant = await createSafe(
        { ...infrastructure, factory },
        [owner!.address, ...foreign],
        2,
        7,
      );
      const route = {
        kind: "safe" as const,
        safe: distant,
        version: "1.4.1",
        owners: [owner!.address, ...foreign],
        threshold: 2,
      };
      const request = {
        label: "pause()",
        to: proxy,
        data: engine().interface.encodeFunctionData("pause"),
      };
      const local = signingByAccounts(async (address) =>
        address === owner!.address ? owner : undefined,
      );
      expect(
        await codeOf(sendThroughAuthority(host(dir), "pause-tx", owner!, request, route, local)),
      ).to.equal("AEGIS-E354");
      expect(
        await codeOf(
          sendThroughAuthority(
            host(dir),
            "pause-tx",
            owner!,
            request,
            { ...route, version: "1.2.0" },
            local,
          ),
        ),
      ).to.equal("AEGIS-E353");
      expect(await safeNonce(provider, distant)).to.equal(0);
      expect(await engine().getFunction("paused")()).to.equal(false);
      // The Safe's singleton reports its version; this is what the toolkit compared.
      const singleton = new ethers.Contract(
        infrastructure.singleton,
        safeArtifact("Safe.sol/Safe.json").abi,
        provider,
      );
      expect(await singleton.getFunction("VERSION")()).to.equal("1.4.1");
    });
  });
});
