/**
 * Benchmark: the toolkit's storage snapshot (bulk reads + decoding) against a naive loop of
 * sequential eth_getStorageAt calls through ethers, on a Hardhat node and on anvil, measured in
 * the same run. The engine is deployed and seeded by aegis:deploy; then ~20,000 live slots of
 * lender balances and vaults are written directly with <node>_setStorageAt (far faster than
 * thousands of transactions) and given to the snapshot as configured mapping keys.
 *
 *   npm run bench:snapshot     (LENDERS=5000 VAULTS=5000 WARMUP=5 RUNS=10 by default)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { startAnvil } from "../src/evm/rehearsal/anvil-process";
import { readDeploymentRecord } from "../src/evm/chain/deployment-record";
import { rpcClient } from "../src/evm/chain/rpc";
import { takeSnapshot } from "../src/evm/storage/snapshot";
import { createStorageReader } from "../src/evm/storage/storage-reader";
import {
  mappingValueSlot,
  namespaceBaseSlot,
  addSlot,
  slotHex,
} from "../src/evm/storage/storage-slots";
import { AEGIS_CONFIGURED_KEYS, AEGIS_KEY_SOURCES } from "../src/aegis/snapshot-keys";
import { freePort, startHardhatNode, type LocalNode } from "../test/helpers/local-node";
import { runHardhat } from "../test/helpers/hardhat-cli";
import { median, runBenchmark } from "./process-timing";

const LENDERS = Number(process.env.LENDERS ?? 5_000);
const VAULTS = Number(process.env.VAULTS ?? 5_000);
/**
 * Snapshots per node: the first WARMUP ones are not counted (the first of them is reported as the
 * cold run), the toolkit's figure is the median of the next RUNS. The naive loop runs once: its
 * 20,000 awaited calls warm themselves up within the first few hundred.
 */
const WARMUP = Number(process.env.WARMUP ?? 5);
const RUNS = Number(process.env.RUNS ?? 10);

async function seedDirectly(
  node: LocalNode,
  setter: string,
  proxy: string,
  layout: StorageLayout,
): Promise<{ lenders: string[]; vaults: string[]; writes: number }> {
  const balancesItem = layout.namespaces!["erc7201:openzeppelin.storage.ERC20"]!.find(
    (item) => item.label === "_balances",
  )!;
  const balancesSlot = addSlot(
    namespaceBaseSlot("erc7201:openzeppelin.storage.ERC20")!,
    BigInt(balancesItem.slot!),
  );
  const vaultsSlot = BigInt(layout.storage.find((item) => item.label === "vaults")!.slot!);
  const address = (tag: string, index: number) =>
    ethers.getAddress(ethers.dataSlice(ethers.id(`${tag}-${index}`), 12));
  const lenders = Array.from({ length: LENDERS }, (_, index) => address("lender", index));
  const vaults = Array.from({ length: VAULTS }, (_, index) => address("vault", index));
  const writes: [string, string][] = [];
  lenders.forEach((lender, index) =>
    writes.push([
      slotHex(mappingValueSlot(ethers.zeroPadValue(lender, 32), balancesSlot)),
      ethers.toBeHex(10n ** 18n + BigInt(index), 32),
    ]),
  );
  vaults.forEach((vault, index) => {
    const base = mappingValueSlot(ethers.zeroPadValue(vault, 32), vaultsSlot);
    for (let member = 0n; member < 3n; member++) {
      writes.push([
        slotHex(addSlot(base, member)),
        ethers.toBeHex(BigInt(index + 1) * 7n + member, 32),
      ]);
    }
  });
  const client = rpcClient(node.url);
  const outcomes = await client.batch(
    writes.map(([slot, value]) => ({ method: setter, params: [proxy, slot, value] })),
    { maxPerBody: 1_000, concurrency: 1 },
  );
  const failed = outcomes.find((outcome) => outcome.error !== undefined);
  if (failed) throw new Error(`${setter}: ${failed.error!.message}`);
  await client.send("evm_mine", []);
  return { lenders, vaults, writes: writes.length };
}

async function benchOne(name: string, node: LocalNode, setter: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-bench-"));
  try {
    const env = { AEGIS_LOCALHOST_URL: node.url, AEGIS_DEPLOYMENTS_DIR: dir };
    const deployed = await runHardhat(["aegis:deploy", "--network", "localhost", "--seed"], env);
    if (deployed.code !== 0) throw new Error(`aegis:deploy failed: ${deployed.stderr}`);
    const record = readDeploymentRecord(
      path.join(dir, "localhost", "AegisEngine.json"),
      "localhost",
    );
    const layout = record.layout.storage as StorageLayout;
    const seeded = await seedDirectly(node, setter, record.proxy, layout);

    // Each run is a whole snapshot from a new reader: pin the block, find keys in events, read,
    // decode. The first run of the process is reported apart: it also pays for compiling the
    // code paths (JIT), opening the connection and the node's one-time override probe.
    const runs: number[] = [];
    let snapshot: Awaited<ReturnType<typeof takeSnapshot>> | undefined;
    for (let run = 0; run < WARMUP + RUNS; run++) {
      const started = performance.now();
      snapshot = await takeSnapshot({
        endpoint: createStorageReader(node.url),
        address: record.proxy,
        layout,
        contract: record.current.contract,
        keySources: AEGIS_KEY_SOURCES,
        fromBlock: record.deployedAt.block,
        mappingKeys: {
          ...AEGIS_CONFIGURED_KEYS,
          "erc7201:openzeppelin.storage.ERC20:_balances": seeded.lenders,
          vaults: seeded.vaults,
        },
      });
      runs.push(performance.now() - started);
    }
    snapshot = snapshot!;
    const toolkitMs = median(runs.slice(WARMUP));

    // The naive baseline reads the same distinct slots one awaited call at a time.
    const slots = [...new Set(snapshot.entries.map((entry) => entry.slot))];
    const provider = new ethers.JsonRpcProvider(node.url, undefined, {
      staticNetwork: true,
      batchMaxCount: 1,
    });
    const naiveStarted = performance.now();
    for (const slot of process.env.BENCH_SKIP_NAIVE ? [] : slots) {
      await provider.getStorage(record.proxy, slot, snapshot.block.number);
    }
    const naiveMs = performance.now() - naiveStarted;
    provider.destroy();
    return {
      node: name,
      seededSlots: seeded.writes,
      slotsRead: snapshot.slotsRead,
      values: snapshot.entries.length,
      mode: snapshot.readMode,
      toolkitMs,
      firstMs: runs[0]!,
      naiveSlots: slots.length,
      naiveMs,
      ratio: naiveMs / toolkitMs,
      firstRatio: naiveMs / runs[0]!,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `Seeding: aegis:deploy --seed, then ${LENDERS} lender balances and ${VAULTS} vaults (3 slots ` +
      "each) written directly with <node>_setStorageAt, passed to the snapshot as configured keys.",
  );
  const results = [];
  const only = process.env.BENCH_NODES?.split(",");
  if (only === undefined || only.includes("hardhat")) {
    const hardhat = await startHardhatNode();
    try {
      results.push(await benchOne("hardhat node", hardhat, "hardhat_setStorageAt"));
    } finally {
      await hardhat.stop();
    }
  }
  if (only === undefined || only.includes("anvil")) {
    const anvil = await startAnvil(await freePort());
    try {
      results.push(await benchOne("anvil", anvil, "anvil_setStorageAt"));
    } finally {
      await anvil.stop();
    }
  }
  console.log("");
  console.log(
    `| node | slots read | values decoded | mode | toolkit snapshot, median of ${RUNS} after ` +
      `${WARMUP} warm-up runs | first run (cold) | ` +
      "naive sequential eth_getStorageAt (same slots) | ratio (median) | ratio (first run) | goal |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const goal = r.node === "anvil" ? 500 : 100;
    console.log(
      `| ${r.node} | ${r.slotsRead} | ${r.values} | ${r.mode} | ${(r.toolkitMs / 1000).toFixed(3)} s | ` +
        `${(r.firstMs / 1000).toFixed(3)} s | ${(r.naiveMs / 1000).toFixed(2)} s (${r.naiveSlots} slots) | ` +
        `${r.ratio.toFixed(1)}x | ${r.firstRatio.toFixed(1)}x | ` +
        `${r.ratio >= goal ? "met" : "NOT met"} (>= ${goal}x) |`,
    );
  }
}

runBenchmark(main);
