/**
 * Whether a new implementation may replace the live one: OpenZeppelin's validations of its code
 * (constructors, selfdestruct, delegatecall, initializers) and its storage layout compared with
 * the live implementation's layout as recorded. Reading the live layout from the record rather
 * than from OpenZeppelin's dev-chain manifest keeps the check valid on forks and other machines.
 */
import {
  getErrors,
  getStorageLayout,
  getStorageUpgradeReport,
  getVersion,
  withValidationDefaults,
  type StorageLayout,
  type ValidationData,
} from "@openzeppelin/upgrades-core";

/** The verdict on one candidate implementation. */
export interface UpgradeSafety {
  safe: boolean;
  /** One line per problem, as OpenZeppelin explains it. */
  problems: string[];
  /** Storage items appended by the new layout (labels), for the report and the storage diff. */
  appended: string[];
  newLayout: StorageLayout;
}

/** Checks `toBytecode` (creation code of the new contract) against the live layout. */
export function checkUpgradeSafety(
  validations: ValidationData,
  liveLayout: StorageLayout,
  toBytecode: string,
  kind: "transparent" | "uups",
): UpgradeSafety {
  const options = withValidationDefaults({ kind });
  const version = getVersion(toBytecode);
  const codeProblems = getErrors(validations, version, options).map(
    (error) => `${error.src}: ${error.kind}`,
  );
  const newLayout = getStorageLayout(validations, version);
  const report = getStorageUpgradeReport(liveLayout, newLayout, options);
  const layoutProblems = report.ok
    ? []
    : report
        .explain(false)
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith(">"));
  const liveLabels = new Set(liveLayout.storage.map((item) => `${item.contract}.${item.label}`));
  const appended = newLayout.storage
    .filter((item) => !liveLabels.has(`${item.contract}.${item.label}`))
    .map((item) => item.label);
  const problems = [...layoutProblems, ...codeProblems];
  return { safe: problems.length === 0, problems, appended, newLayout };
}
