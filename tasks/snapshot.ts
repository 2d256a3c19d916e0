import fs from "node:fs";
import path from "node:path";
import { task } from "hardhat/config";
import type { HttpNetworkConfig } from "hardhat/types";
import { ethers } from "ethers";
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import { readValidations } from "@openzeppelin/hardhat-upgrades/dist/utils/validations";
import { readBuiltContract } from "../src/evm/layout/build-layouts";
import { deploymentRecordPath, readDeploymentRecord } from "../src/evm/chain/deployment-record";
import { readProxyInfo } from "../src/evm/chain/eip1967";
import { InvalidAddressError, MissingUpgradeSettingError, NotAProxyError } from "../src/evm/errors";
import type { KeySource, MappingKeys } from "../src/evm/storage/mapping-keys";
import { assertRpcReachable } from "../src/evm/chain/rpc";
import { snapshotToJson, takeSnapshot } from "../src/evm/storage/snapshot";
import {
  diffSnapshots,
  readSnapshotFile,
  type StorageChange,
} from "../src/evm/storage/snapshot-diff";
import { runTask } from "./run-task";
import { loadPreset } from "./upgrade-support";
import "./aegis-config";

interface SnapshotArgs {
  target?: string;
  contract?: string;
  block?: string;
  out?: string;
  keys?: string;
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
      const target = args.target ?? hre.config.aegis.upgrade.proxy;
      if (target === undefined) throw new MissingUpgradeSettingError("proxy", "--target");
      const url = (hre.network.config as HttpNetworkConfig).url;
      await assertRpcReachable(hre.network.provider, networkName, url ?? "in-process");
      const provider = hre.ethers.provider;
      let address: string;
      let layout: StorageLayout;
      let contract: string;
      let keySources: KeySource[] = [];
      let mappingKeys: MappingKeys = {};
      let fromBlock = 0;
      if (target.startsWith("0x")) {
        if (!ethers.isAddress(target)) throw new InvalidAddressError("--target", target);
        address = ethers.getAddress(target);
        if ((await provider.getCode(address)) === "0x") {
          throw new NotAProxyError(address, "it is an account without code (an EOA)");
        }
        if (args.contract === undefined) {
          // Without a contract name the only layout is the implementation's: it must be a proxy.
          await readProxyInfo(provider, address);
        }
      } else {
        const record = readDeploymentRecord(
          deploymentRecordPath(hre.config.aegis.deploymentsDir, networkName, target),
          networkName,
        );
        address = record.proxy;
        await readProxyInfo(provider, address);
        fromBlock = record.deployedAt.block;
        // The record's preset knows where its mappings' keys come from (events, listed keys).
        const keys = (await loadPreset(hre, record, record.current.contract)).snapshotKeys;
        keySources = keys?.keySources ?? [];
        mappingKeys = keys?.mappingKeys ?? {};
        layout = record.layout.storage as StorageLayout;
        contract = record.current.contract;
      }
      if (args.contract !== undefined) {
        const built = await readBuiltContract(
          hre.artifacts,
          await readValidations(hre),
          args.contract,
        );
        layout = built.layout;
        contract = built.name;
      }
      if (args.keys !== undefined) {
        const extra = JSON.parse(fs.readFileSync(args.keys, "utf8")) as {
          mappingKeys?: MappingKeys;
          keySources?: KeySource[];
        };
        mappingKeys = { ...mappingKeys, ...(extra.mappingKeys ?? {}) };
        keySources = [...keySources, ...(extra.keySources ?? [])];
      }
      const started = Date.now();
      const snapshot = await takeSnapshot({
        endpoint: url ?? hre.network.provider,
        address,
        layout: layout!,
        contract: contract!,
        blockNumber: args.block === undefined ? undefined : Number(args.block),
        keySources,
        mappingKeys,
        fromBlock,
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
        `snapshot of ${contract!} ${address} at block ${snapshot.block.number}: ` +
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
