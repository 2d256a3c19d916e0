/**
 * Keeps the deployment record in step with the chain: it is only ever moved to the
 * implementation the proxy really points at, read right before writing, never to what a run
 * believes it did. Idempotent, because a resumed step may apply it a second time.
 */
import type { ContractLayout } from "../storage/contract-layout";
import {
  readDeploymentRecord,
  writeDeploymentRecord,
  type DeploymentRecord,
} from "../chain/deployment-record";
import { RecordOutOfDateError } from "../errors";

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

/** What became of the record. */
export type RecordChange = "unchanged" | "upgraded" | "restored";

/**
 * Makes the record name `chainImplementation` as current: the implementation a run just
 * installed (`installed`, moving the previous one to history), or an earlier one found in the
 * history (after a downgrade). Anything else was installed outside this toolkit: AEGIS-E315.
 */
export function recordFollowsChain(
  recordPath: string,
  network: string,
  chainImplementation: string,
  installed?: InstalledImplementation,
): RecordChange {
  const record = readDeploymentRecord(recordPath, network);
  if (installed?.implementation === chainImplementation) noteImplementation(record, installed);
  if (record.current.implementation === chainImplementation) {
    if (installed?.implementation === chainImplementation)
      writeDeploymentRecord(recordPath, record);
    return "unchanged";
  }
  if (installed?.implementation === chainImplementation) {
    record.history.push({ ...record.current, layout: record.layout });
    record.current = {
      contract: installed.contract,
      implementation: installed.implementation,
      bytecodeHash: installed.runtimeCodeHash,
      block: installed.block,
      runId: installed.runId,
    };
    record.layout = installed.layout;
    writeDeploymentRecord(recordPath, record);
    return "upgraded";
  }
  const index = record.history
    .map((entry) => entry.implementation)
    .lastIndexOf(chainImplementation);
  const previous = index === -1 ? undefined : record.history.splice(index, 1)[0];
  if (previous === undefined) {
    throw new RecordOutOfDateError(recordPath, record.current.implementation, chainImplementation);
  }
  const { layout, ...entry } = previous;
  record.current = entry;
  if (layout !== undefined) record.layout = layout;
  writeDeploymentRecord(recordPath, record);
  return "restored";
}

/** Lists an installed implementation among the record's known ones (for reuse), once. */
function noteImplementation(record: DeploymentRecord, installed: InstalledImplementation): boolean {
  if (record.implementations.some((entry) => entry.address === installed.implementation))
    return false;
  record.implementations.push({
    contract: installed.contract,
    address: installed.implementation,
    creationBytecodeHash: installed.creationBytecodeHash,
    runtimeCodeHash: installed.runtimeCodeHash,
    block: installed.block,
  });
  return true;
}
