/** The upgrade plan's snapshot port, served by the layout-aware snapshot library. */
import type { StorageLayout } from "@openzeppelin/upgrades-core";
import type { KeySource, MappingKeys } from "./mapping-keys";
import { snapshotToJson, takeSnapshot, type StorageSnapshot } from "./snapshot";
import { diffSnapshots, type StorageChange as SnapshotChange } from "./snapshot-diff";
import { createStorageReader, type RpcEndpoint } from "./storage-reader";
import type { StorageChange, StorageSnapshotter } from "./storage-snapshotter";

/** Where and how to snapshot one proxy, before and after its upgrade. */
export interface LayoutSnapshotterParams {
  endpoint: RpcEndpoint;
  address: string;
  before: { contract: string; layout: StorageLayout };
  after: { contract: string; layout: StorageLayout };
  keySources: KeySource[];
  mappingKeys: MappingKeys;
  /** Events revealing mapping keys are read from here (the deployment block). */
  fromBlock: number;
}

function toChange(change: SnapshotChange): StorageChange {
  return { variable: change.path, slot: change.slot, before: change.before, after: change.after };
}

/** Creates the port; one storage reader is shared so its detected read mode is reused. */
export function createLayoutSnapshotter(params: LayoutSnapshotterParams): StorageSnapshotter {
  const reader = createStorageReader(params.endpoint);
  return {
    async take(blockTag, which) {
      const side = which === "before" ? params.before : params.after;
      const snapshot = await takeSnapshot({
        endpoint: reader,
        address: params.address,
        layout: side.layout,
        contract: side.contract,
        blockNumber: blockTag,
        keySources: params.keySources,
        mappingKeys: params.mappingKeys,
        fromBlock: params.fromBlock,
      });
      return {
        json: snapshotToJson(snapshot),
        slots: snapshot.slotsRead,
        variables: snapshot.entries.length,
      };
    },
    diff(beforeJson, afterJson, expectedChanges) {
      const diff = diffSnapshots(
        JSON.parse(beforeJson) as StorageSnapshot,
        JSON.parse(afterJson) as StorageSnapshot,
        { expected: expectedChanges.map((path) => ({ path })) },
      );
      return { expected: diff.expected.map(toChange), unexpected: diff.unexpected.map(toChange) };
    },
  };
}
