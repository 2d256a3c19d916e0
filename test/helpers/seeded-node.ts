import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rpc, startHardhatNode, type LocalNode } from "./local-node";
import { runHardhat, type CliResult } from "./hardhat-cli";

/**
 * A real `hardhat node` with the reference protocol deployed and seeded by `aegis:deploy --seed`,
 * as a user would have it. Each test starts from the same chain state (evm_snapshot/evm_revert)
 * and a fresh copy of the deployment records, so no test depends on another's.
 */
export interface SeededNode {
  node: LocalNode;
  /** The records folder of the current test (a copy of the pristine one). */
  deploymentsDir: string;
  /** Runs `hardhat <args> --network localhost` against the node with this test's records. */
  hardhat(args: string[], env?: Record<string, string>): Promise<CliResult>;
  blockNumber(): Promise<number>;
  /** Back to the seeded state: chain and records. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the node and deploys and seeds the protocol once; `prepare` then changes the chain
 * (hands the rights to a timelock, say) before the state every test starts from is taken.
 */
export async function startSeededNode(
  deployArgs: string[] = ["--seed"],
  prepare?: (node: LocalNode, deploymentsDir: string) => Promise<void>,
): Promise<SeededNode> {
  const node = await startHardhatNode();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-seeded-"));
  const pristine = path.join(root, "pristine");
  const env = (dir: string) => ({ AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: dir });
  const deployed = await runHardhat(
    ["aegis:deploy", "--network", "localhost", ...deployArgs],
    env(pristine),
  );
  if (deployed.code !== 0) throw new Error(`aegis:deploy failed: ${deployed.stderr}`);
  await prepare?.(node, pristine);
  let snapshotId = (await rpc(node.url, "evm_snapshot")) as string;
  let copies = 0;
  const seeded: SeededNode = {
    node,
    deploymentsDir: "",
    hardhat: (args, extra = {}) =>
      runHardhat([...args, "--network", "localhost"], { ...env(seeded.deploymentsDir), ...extra }),
    blockNumber: async () => Number(BigInt((await rpc(node.url, "eth_blockNumber")) as string)),
    async reset() {
      await rpc(node.url, "evm_revert", [snapshotId]);
      // A Hardhat snapshot is used up by reverting to it: take it again for the next test.
      snapshotId = (await rpc(node.url, "evm_snapshot")) as string;
      seeded.deploymentsDir = path.join(root, `copy-${++copies}`);
      fs.cpSync(pristine, seeded.deploymentsDir, { recursive: true });
    },
    async stop() {
      await node.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  await seeded.reset();
  return seeded;
}
