/**
 * `aegis:upgrade --proxy <address>` (and `aegis:rehearse`) on a proxy that no record describes:
 * when OpenZeppelin's manifest lists it (its plugin deployed it from this project), the import
 * needs no decision of the user's, so the task performs it instead of refusing. A proxy the manifest does not list
 * is left to the upgrade's own checks, which refuse it (AEGIS-E309, whose hint names
 * `aegis:import --proxy <address>`), since only the user can say what it is.
 */
import { ethers } from "ethers";
import { isAegisError } from "../../core/errors";
import { EVM_ERROR_CODES } from "../error-codes";
import { manifestListsProxy, prepareImport, type ImportContext } from "./import-proxy";
import { resolveRecord } from "./upgrade-inputs";

/** An import the task performs: its record, written only once the task's checks pass. */
export type ManifestImport = Awaited<ReturnType<typeof prepareImport>>;

/**
 * The import of `proxy` when it is an address that no record of the network describes and
 * OpenZeppelin's manifest lists; undefined otherwise (a record name, a proxy with a record, one
 * the manifest does not know). Refusals of the import itself keep their codes (E340, E341, E342).
 */
export async function importListedProxy(
  proxy: string,
  context: ImportContext,
): Promise<ManifestImport | undefined> {
  if (!ethers.isAddress(proxy) || context.eip1193 === undefined) return undefined;
  try {
    resolveRecord(context.deploymentsDir, context.networkName, proxy);
    return undefined;
  } catch (error) {
    // Any other problem with the records (a malformed one) is the upgrade's to report.
    if (!isAegisError(error) || error.code !== EVM_ERROR_CODES.RECORD_NOT_FOUND) return undefined;
  }
  if (!(await manifestListsProxy(context.eip1193, proxy))) return undefined;
  return prepareImport({ proxy, force: false }, context);
}

/** The one line that says the task imported the proxy. */
export function describeManifestImport(imported: ManifestImport): string {
  const { record, recordPath } = imported.result;
  return `no record described ${record.proxy}; OpenZeppelin's manifest lists it, so it is imported as ${record.name} (${record.current.contract}, ${record.proxyKind} proxy): ${recordPath}`;
}
