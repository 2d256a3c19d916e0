/**
 * What a protocol brings to the upgrade checklist: how to pause it, how to read its state at a
 * block, and the invariants that state must satisfy before and after. AEGIS is one preset
 * (src/aegis/preset.ts); another protocol supplies its own through the `aegis` config.
 */
import type { Provider } from "ethers";
import type { DeploymentRecord } from "../chain/deployment-record";
import type { SnapshotKeys } from "../storage/mapping-keys";

/** One figure an invariant compared. */
export type InvariantFigure = bigint | number | string | boolean;

/** The outcome of one invariant: whether it holds, and what was compared. */
export interface InvariantResult {
  id: string;
  statement: string;
  holds: boolean;
  /** Figures compared; a comparison of two states gives { before, after } pairs. */
  figures: Record<string, InvariantFigure | { before: InvariantFigure; after: InvariantFigure }>;
  /** Present when it does not hold: what broke, naming the figures. */
  violation?: string;
}

/** A protocol's part of the checklist; S is its state as read at one block (journalable). */
export interface UpgradePreset<S> {
  name: string;
  /**
   * False for a protocol upgraded live (it has no pause, or its config says "none"): the plan
   * then has no pause and unpause steps, and says so. Default true.
   */
  pauses?: boolean;
  /** Calldata of the pause and unpause calls, sent to the proxy by the signer. */
  pauseData: string;
  unpauseData: string;
  /**
   * What a reviewer must know before the run (no pause, no invariants configured), shown loudly
   * in the plan preview and, through the preflight's verdict, in the report.
   */
  notices?: string[];
  isPaused(provider: Provider, proxy: string, blockTag?: number): Promise<boolean>;
  /** Reads the protocol's state at a pinned block. */
  readState(provider: Provider, record: DeploymentRecord, blockTag: number): Promise<S>;
  /** Invariants of one state. */
  checkState(state: S): InvariantResult[];
  /** Invariants of one state after the upgrade plus those comparing it with the state before. */
  compareStates(before: S, after: S): InvariantResult[];
  /**
   * Where the checklist's storage snapshots find the keys of the protocol's mappings: events
   * and keys known without them. Without it, mappings are snapshotted for no keys.
   */
  snapshotKeys?: SnapshotKeys;
}
