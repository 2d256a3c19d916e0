/**
 * Keeps the deployment record in step with the chain when an upgrade lands or is rolled back.
 * Both updates are idempotent, because a resumed step may apply them a second time.
 */
import type { ContractLayout } from "./contract-layout";
import { readDeploymentRecord, writeDeploymentRecord } from "./deployment-record";

/** The implementation an upgrade installed. */
export interface InstalledImplementation {
  contract: string;
  implementation: string;
  creationBytecodeHash: string;
  runtimeCodeHash: string;
  block: number;
  runId: string;
  layout: ContractLayout;
}

/** Makes `installed` the record's current implementation, keeping the previous in history. */
export function recordUpgrade(
  recordPath: string,
  network: string,
  installed: InstalledImplementation,
) {
  const record = readDeploymentRecord(recordPath, network);
  if (!record.implementations.some((entry) => entry.address === installed.implementation)) {
    record.implementations.push({
      contract: installed.contract,
      address: installed.implementation,
      creationBytecodeHash: installed.creationBytecodeHash,
      runtimeCodeHash: installed.runtimeCodeHash,
      block: installed.block,
    });
  }
  if (record.current.implementation !== installed.implementation) {
    record.history.push({ ...record.current, layout: record.layout });
    record.current = {
      contract: installed.contract,
      implementation: installed.implementation,
      bytecodeHash: installed.runtimeCodeHash,
      block: installed.block,
      runId: installed.runId,
    };
    record.layout = installed.layout;
  }
  writeDeploymentRecord(recordPath, record);
}

/** Makes the history's entry for `implementation` current again, after a rollback. */
export function recordRollback(recordPath: string, network: string, implementation: string) {
  const record = readDeploymentRecord(recordPath, network);
  if (record.current.implementation === implementation) return;
  const index = record.history.map((entry) => entry.implementation).lastIndexOf(implementation);
  if (index === -1) return;
  const [previous] = record.history.splice(index, 1);
  if (previous === undefined) return;
  const { layout, ...entry } = previous;
  record.current = entry;
  if (layout !== undefined) record.layout = layout;
  writeDeploymentRecord(recordPath, record);
}
