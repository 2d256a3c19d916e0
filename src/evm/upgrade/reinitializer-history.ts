/**
 * What an earlier reinitializer of this toolkit wrote to a proxy, read from the run that sent
 * it: a rolled-back upgrade leaves those writes in storage, and a person about to upgrade
 * again without the call (--call none) must see them first, since the new version reads them.
 */
import { targetRunStates } from "../../core/list-runs";
import { findStep } from "../../core/run-state";
import type { StorageChange } from "../storage/storage-snapshotter";
import { callFact } from "./upgrade-journal-facts";
import { IMPLEMENTATION_PATH, PAUSED_PATH } from "./upgrade-storage-paths";

/** The writes of the last reinitializer a run of this toolkit sent to a target. */
export interface ReinitializerWrites {
  runId: string;
  /** `path before -> after`, one entry per stored value the upgrade transaction changed. */
  writes: string[];
}

function shortPath(path: string): string {
  // ERC-7201 paths read `erc7201:<namespace>:<variable>`: the variable says enough here.
  return path.startsWith("erc7201:") ? path.slice(path.lastIndexOf(":") + 1) : path;
}

/**
 * The newest run of `targetKey` whose upgrade transaction landed and whose storage diff was
 * taken; undefined when no run of this toolkit recorded one.
 */
export function earlierReinitializerWrites(
  baseDir: string,
  targetKey: string,
): ReinitializerWrites | undefined {
  for (const state of targetRunStates(baseDir, targetKey).reverse()) {
    // Landed: sent by this run (directly, or executed through its timelock or Safe), or found
    // executed by the Safe's owners, which completes the step.
    const landed =
      callFact(state, "upgrade", "run", "upgrade-tx") === "applied" ||
      findStep(state, "upgrade")?.hasOutput === true;
    if (!landed) continue;
    const diff = findStep(state, "verify-storage");
    if (!diff?.hasOutput) continue;
    const changes = (diff.output as { expected: StorageChange[] }).expected;
    const writes = changes
      .filter(
        (change) => change.variable !== IMPLEMENTATION_PATH && change.variable !== PAUSED_PATH,
      )
      .map(
        (change) =>
          `${shortPath(change.variable)} ${String(change.before ?? 0)} -> ${String(change.after)}`,
      );
    return { runId: state.runId, writes };
  }
  return undefined;
}

/** The writes as one line for a message: "newFeatureEnabled 0 -> 1, _initialized 1 -> 2 (run …)". */
export function formatReinitializerWrites(found: ReinitializerWrites | undefined): string {
  if (found === undefined) return "values no run of this toolkit recorded";
  const writes = found.writes.length === 0 ? "nothing" : found.writes.join(", ");
  return `${writes} (run ${found.runId})`;
}
