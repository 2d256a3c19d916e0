import fs from "node:fs";
import path from "node:path";
import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { readBuiltContract } from "../src/evm/layout/build-layouts";
import { deploymentRecordPath, readDeploymentRecord } from "../src/evm/chain/deployment-record";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import { snapshotToJson, takeSnapshot } from "../src/evm/storage/snapshot";
import {
  resolveSnapshotRequest,
  snapshotTarget,
  type SnapshotOptions,
} from "../src/evm/storage/snapshot-request";
import {
  diffSnapshots,
  readSnapshotFile,
  type StorageChange,
} from "../src/evm/storage/snapshot-diff";
import { runTask } from "./run-task";
import { keyIndexPath } from "../src/evm/storage/key-index";
import { loadPreset } from "./upgrade-support";
import "./aegis-config";

interface SnapshotArgs extends Omit<SnapshotOptions, "target"> {
  target?: string;
  out?: string;
}

task("aegis:snapshot", "Writes a layout-aware snapshot of a contract's storage at a pinned block")
  .addOptionalParam("target", "deployment name or address (default: aegis.upgrade.proxy)")
  .addOptionalParam("contract", "contract whose layout decodes storage (default: the record's)")
  .addOptionalParam("block", "block number to pin (default: latest)")
  .addOptionalParam("out", "file to write (default: print to stdout)")
  .addOptionalParam("keys", "JSON file: { mappingKeys: {path: [keys]}, keySources: [...] }")
  .setAction(async (args: SnapshotArgs, hre) =>
    runTask(async () => {
      const networkName = hre.network.name;
      const target = snapshotTarget(args.target, hre.config.aegis.upgrade.proxy);
      const url = (hre.network.config as HttpNetworkConfig).url;
      await assertRpcReachable(hre.network.provider, networkName, url ?? "in-process");
      const request = await resolveSnapshotRequest(
        { ...args, target },
        {
          provider: hre.ethers.provider,
          readRecord: (name) =>
            readDeploymentRecord(
              deploymentRecordPath(hre.config.aegis.deploymentsDir, networkName, name),
              networkName,
            ),
          readContractLayout: async (name) =>
            readBuiltContract(hre.artifacts, await readValidations(hre), name),
          // The record's own preset, checked against the contract it runs (no upgrade is meant).
          presetKeys: async (record) =>
            (await loadPreset(hre, record, record.current.contract)).snapshotKeys,
          readFile: (file) => fs.readFileSync(file, "utf8"),
        },
      );
      const started = Date.now();
      // A record's key index lives beside it: the next snapshot scans only newer blocks.
      const keyIndexFile = target.startsWith("0x")
        ? undefined
        : keyIndexPath(deploymentRecordPath(hre.config.aegis.deploymentsDir, networkName, target));
      const snapshot = await takeSnapshot({
        endpoint: url ?? hre.network.provider,
        ...request,
        keyIndexFile,
      });
      const elapsed = Date.now() - started;
      const json = snapshotToJson(snapshot);
      if (args.out === undefined) {
        process.stdout.write(json);
        return;
      }
      fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      fs.writeFileSync(args.out, json);
      console.log(
        `snapshot of ${request.contract} ${request.address} at block ${snapshot.block.number}: ` +
          `${snapshot.entries.length} values from ${snapshot.slotsRead} slots ` +
          `(${snapshot.readMode}) in ${elapsed} ms -> ${args.out}`,
      );
      for (const warning of snapshot.warnings) console.log(`  warning: ${warning}`);
    }),
  );

task("aegis:diff", "Compares two snapshots; fails on any change not in the allowlist")
  .addPositionalParam("before", "snapshot file taken first")
  .addPositionalParam("after", "snapshot file taken second")
  .addOptionalParam("expect", "comma-separated path patterns of expected changes ('*', '[*]')", "")
  .addFlag("json", "print the diff as JSON")
  .setAction(async (args: { before: string; after: string; expect: string; json: boolean }) =>
    runTask(async () => {
      const diff = diffSnapshots(readSnapshotFile(args.before), readSnapshotFile(args.after), {
        expected: args.expect
          .split(",")
          .map((pattern) => pattern.trim())
          .filter((pattern) => pattern !== "")
          .map((pattern) => ({ path: pattern })),
      });
      if (args.json) {
        console.log(JSON.stringify(diff, null, 2));
      } else {
        const line = (change: StorageChange) =>
          `${change.path} (slot ${change.slot}): ${show(change.before)} -> ${show(change.after)}`;
        console.log(
          `blocks ${diff.before.block} -> ${diff.after.block}: ${diff.unchangedCount} unchanged, ` +
            `${diff.expected.length} expected, ${diff.unexpected.length} unexpected changes`,
        );
        for (const change of diff.expected) console.log(`  expected   ${line(change)}`);
        for (const change of diff.unexpected) console.log(`  UNEXPECTED ${line(change)}`);
        for (const missing of diff.unmatchedExpectations) {
          console.log(`  note: expected change ${missing.path} did not happen`);
        }
      }
      if (diff.unexpected.length > 0) process.exitCode = 1;
    }),
  );

function show(value: unknown): string {
  return value === null ? "(absent)" : JSON.stringify(value);
}
