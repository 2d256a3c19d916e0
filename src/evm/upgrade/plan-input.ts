import type { Provider, Signer } from "ethers";
import type { AuthorityRoutes, LocalSafeSigning } from "../chain/authority-transaction";
import type { ContractLayout } from "../storage/contract-layout";
import type { StorageSnapshotter } from "../storage/storage-snapshotter";
import type { UpgradePreset } from "./upgrade-preset";

/**
 * Everything that decides what the upgrade does. It is the plan's hash input, journaled in the
 * run's first line, so that a resume rebuilds exactly the plan that started the run.
 */
export interface UpgradePlanInput {
  planId: string;
  network: string;
  chainId: number;
  recordName: string;
  proxy: string;
  proxyKind: "transparent" | "uups";
  /** The ProxyAdmin of a transparent proxy; the zero address for UUPS. */
  proxyAdmin: string;
  /** The ProxyAdmin's owner when the plan was made: the account that signs. */
  authority: string;
  from: { contract: string; implementation: string; bytecodeHash: string };
  to: { contract: string; creationBytecodeHash: string };
  /** The reinitializer call made atomically with the upgrade, or null for a plain upgrade. */
  call: { fn: string; args: unknown[]; data: string } | null;
  /** `_initialized` the proxy must report after the upgrade (null: not checked). */
  expectedInitializedVersion: number | null;
  /** Storage variables the upgrade may change, besides the EIP-1967 implementation slot. */
  expectedStorageChanges: string[];
  monitorBlocks: number;
  /** False for a protocol upgraded live: the plan has no pause and unpause steps. */
  pauses?: false;
  /** What a reviewer must know (no pause, no invariants, a forced import): preview and report. */
  notices?: string[];
  /**
   * The rights the signer exercises through a timelock (proposing, then executing after the
   * delay); absent when it holds every right itself, so such plans hash as they always did.
   */
  routes?: AuthorityRoutes;
}

/** What the plan's steps need at run time. */
export interface UpgradePlanDeps {
  provider: Provider;
  signer: Signer;
  preset: UpgradePreset<unknown>;
  snapshotter: StorageSnapshotter;
  /** Creation bytecode of the new implementation (its hash is in the plan input). */
  toCreationBytecode: string;
  /** The new implementation's layout, written to the record after the upgrade. */
  toLayout: ContractLayout;
  recordPath: string;
  /** How the rehearsal requirement was met; shown among the preflight's figures. */
  rehearsal?: string;
  /**
   * The run of this toolkit whose pause is still in effect on the proxy, if any (an abandoned
   * run's): a pause found at the start is then this toolkit's to lift, not an operator's.
   */
  toolkitPauseHolder?(): string | undefined;
  /** On a development network: the network's accounts sign and the run executes Safe transactions. */
  localSafeSigning?: LocalSafeSigning;
}
