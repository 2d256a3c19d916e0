import type { DeploymentRecord } from "../chain/deployment-record";

/**
 * The layout the plan upgrades from: the record's current one before the upgrade; after it
 * (a resumed run, a rollback) the current layout is the new one, so the old implementation's
 * layout is found in the record's history. Falls back to the current layout for a record
 * written before the history kept layouts.
 */
export function layoutBefore(
  record: DeploymentRecord,
  fromImplementation: string,
): DeploymentRecord["layout"] {
  if (record.current.implementation === fromImplementation) return record.layout;
  return (
    record.history.findLast((entry) => entry.implementation === fromImplementation)?.layout ??
    record.layout
  );
}
