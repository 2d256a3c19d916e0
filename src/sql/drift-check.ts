import { MigrationDriftError, OutOfOrderMigrationError, UnknownTargetVersionError } from "./errors";
import type { HistoryRow } from "./history-table";
import type { MigrationSet, RepeatableMigration, VersionedMigration } from "./migration-loader";
import { compareVersions, normalizeVersion } from "./migration-name";

/** Applied migrations whose file changed: the first stops a run before it does anything. */
export function driftOf(set: MigrationSet, history: readonly HistoryRow[]) {
  const drifted: Array<{ file: string; version: string; applied: string; now: string }> = [];
  for (const row of history) {
    if (row.version === null) continue;
    const migration = set.versioned.find((m) => m.version === row.version);
    // A baselined version with no file here (adopted from Flyway) has nothing to compare.
    if (migration === undefined || row.checksum === "") continue;
    if (migration.checksum !== row.checksum) {
      drifted.push({
        file: migration.file,
        version: row.version,
        applied: row.checksum,
        now: migration.checksum,
      });
    }
  }
  return drifted;
}

/** Throws AEGIS-E422 for the first drifted migration. */
export function assertNoDrift(set: MigrationSet, history: readonly HistoryRow[]): void {
  const first = driftOf(set, history)[0];
  if (first !== undefined)
    throw new MigrationDriftError(first.file, first.version, first.applied, first.now);
}

/** A --target given on the command line, as a version of the folder; AEGIS-E423 otherwise. */
export function targetVersion(set: MigrationSet, target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  let version: string;
  try {
    version = normalizeVersion(target.replace(/^V/i, ""));
  } catch {
    throw new UnknownTargetVersionError(target);
  }
  if (!set.versioned.some((m) => m.version === version))
    throw new UnknownTargetVersionError(target);
  return version;
}

/**
 * What a migrate applies, in order: versioned migrations missing from the history (up to the
 * target), then repeatables that are new or changed. A pending version below an applied one is
 * refused (AEGIS-E426): its place in the order has passed.
 */
export function pendingOf(
  set: MigrationSet,
  history: readonly HistoryRow[],
  target: string | undefined,
): Array<VersionedMigration | RepeatableMigration> {
  const applied = new Set(history.flatMap((row) => (row.version === null ? [] : [row.version])));
  const highest = [...applied].sort(compareVersions).at(-1);
  const versioned = set.versioned.filter(
    (m) =>
      !applied.has(m.version) && (target === undefined || compareVersions(m.version, target) <= 0),
  );
  for (const migration of versioned) {
    if (highest !== undefined && compareVersions(migration.version, highest) < 0) {
      throw new OutOfOrderMigrationError(migration.file, highest);
    }
  }
  const repeatable = set.repeatable.filter((m) => {
    const row = history.find((r) => r.migration_key === `R__${m.description}`);
    return row === undefined || row.checksum !== m.checksum;
  });
  return [...versioned, ...(target === undefined ? repeatable : [])];
}
