/**
 * The port through which the upgrade plan snapshots a proxy's storage and diffs two snapshots.
 * The plan only moves JSON text between its steps and the run folder; what is read and how it
 * is decoded belongs to the snapshot library behind this port (src/evm/snapshot.ts).
 */

/** One stored value that differs between two snapshots. */
export interface StorageChange {
  /** Variable path as the snapshot names it, e.g. `vaults[0xabc…].principal`. */
  variable: string;
  slot: string;
  before: string | boolean | null;
  after: string | boolean | null;
}

/** A snapshot as the plan keeps it. */
export interface TakenSnapshot {
  /** The whole snapshot, as written to the run folder. */
  json: string;
  slots: number;
  variables: number;
}

/** Takes snapshots of one proxy and diffs them against an allowlist of expected changes. */
export interface StorageSnapshotter {
  /** Before the upgrade the live layout applies; after it, the new implementation's. */
  take(blockTag: number, layout: "before" | "after"): Promise<TakenSnapshot>;
  /** Compares two snapshots; `expectedChanges` are path patterns an upgrade may change. */
  diff(
    beforeJson: string,
    afterJson: string,
    expectedChanges: string[],
  ): { expected: StorageChange[]; unexpected: StorageChange[] };
}
