/**
 * Errors of storage layouts, snapshots and diffs (`AEGIS-E321`..`AEGIS-E329`, `AEGIS-E357`). Each names the
 * thing that is wrong and how to fix it; codes are stable, tests match on them.
 */
import { AegisError } from "../core/errors";
import { EVM_ERROR_CODES } from "./error-codes";

/** AEGIS-E321: a build (build-info file or compiler output) has no storage layout output. */
export class NoStorageLayoutOutputError extends AegisError {
  /** Names the build and the contract whose layout is missing. */
  constructor(build: string, contract: string) {
    super(
      EVM_ERROR_CODES.NO_STORAGE_LAYOUT_OUTPUT,
      `build ${build} has no storage layout output for ${contract}`,
      'compile with outputSelection "storageLayout" (the OpenZeppelin Hardhat plugin adds it; ' +
        "rebuild with npx hardhat compile --force after importing @openzeppelin/hardhat-upgrades)",
    );
  }
}

/** AEGIS-E322: a storage layout uses a type the decoder does not know. */
export class UnsupportedStorageTypeError extends AegisError {
  /** Names the variable path and the type id. */
  constructor(path: string, typeId: string) {
    super(
      EVM_ERROR_CODES.UNSUPPORTED_STORAGE_TYPE,
      `cannot decode ${path}: unsupported storage type ${typeId}`,
      "snapshots cannot decode this type yet; report it to the toolkit's maintainers with the " +
        "contract's storage layout",
    );
  }
}

/** AEGIS-E323: a mapping key given in configuration cannot be encoded as the mapping's key type. */
export class InvalidMappingKeyError extends AegisError {
  /** Names the mapping, the key and the key type. */
  constructor(mappingPath: string, key: string, keyType: string) {
    super(
      EVM_ERROR_CODES.INVALID_MAPPING_KEY,
      `key ${JSON.stringify(key)} of ${mappingPath} is not a valid ${keyType}`,
      "give addresses as 0x-prefixed hex, integers in decimal or 0x hex, bytesN as 0x hex, " +
        "bools as true/false, strings as text",
    );
  }
}

/** AEGIS-E324: the node answered a storage read with an error or a malformed result. */
export class StorageReadError extends AegisError {
  /** Names the node and the problem. */
  constructor(endpoint: string, problem: string) {
    super(
      EVM_ERROR_CODES.STORAGE_READ_FAILED,
      `reading storage from ${endpoint} failed: ${problem}`,
      "check the node is up and serves the pinned block (an archive node is needed for old blocks)",
    );
  }
}

/** AEGIS-E325: two snapshots that cannot be compared (other chain or other contract). */
export class SnapshotMismatchError extends AegisError {
  /** Names what differs. */
  constructor(what: string, before: string, after: string) {
    super(
      EVM_ERROR_CODES.SNAPSHOT_MISMATCH,
      `snapshots differ in ${what}: ${before} vs ${after}`,
      "diff two snapshots of the same contract on the same chain",
    );
  }
}

/** AEGIS-E326: a snapshot file is not a snapshot this toolkit wrote. */
export class SnapshotInvalidError extends AegisError {
  /** Names the file and the first problem. */
  constructor(file: string, problem: string) {
    super(
      EVM_ERROR_CODES.SNAPSHOT_INVALID,
      `snapshot ${file} is invalid: ${problem}`,
      "pass a file written by npx hardhat aegis:snapshot (schema aegis.storage-snapshot/1)",
    );
  }
}

/** AEGIS-E327: a key-discovery event signature cannot be parsed or lacks the named argument. */
export class InvalidKeySourceError extends AegisError {
  /** Names the mapping, the event and the problem. */
  constructor(mappingPath: string, event: string, problem: string) {
    super(
      EVM_ERROR_CODES.INVALID_KEY_SOURCE,
      `key source of ${mappingPath} (event ${event}) is invalid: ${problem}`,
      'write the event as a Solidity signature, e.g. "event Transfer(address indexed from, ' +
        'address indexed to, uint256 value)", and name one of its arguments',
    );
  }
}

/** AEGIS-E328: the layout report was asked for without anything to compare. */
export class LayoutInputError extends AegisError {
  /** Says what is missing or contradictory. */
  constructor(problem: string) {
    super(
      EVM_ERROR_CODES.LAYOUT_INPUT,
      `layout report input: ${problem}`,
      "pass --proxy <deployment name or address> with --new <contract>, or --old <contract> " +
        "with --new <contract>, or --reference-build <build-info.json> with --old and --new",
    );
  }
}

/** AEGIS-E329: no live layout is known for a proxy (no record, no manifest entry). */
export class LiveLayoutUnknownError extends AegisError {
  /** Names the proxy and where the layout was looked for. */
  constructor(proxy: string, lookedIn: string[]) {
    super(
      EVM_ERROR_CODES.LIVE_LAYOUT_UNKNOWN,
      `no storage layout known for the implementation behind ${proxy} (looked in ` +
        `${lookedIn.join(", ")})`,
      "import the proxy (npx hardhat aegis:import --proxy <address>: its record keeps the " +
        "layout), or name the current implementation's contract (aegis:layout --old <contract>, " +
        "aegis:snapshot --contract <contract>)",
    );
  }
}

/** AEGIS-E357: an abstract contract or an interface was named where a deployable one is needed. */
export class AbstractContractError extends AegisError {
  /** Names the contract and where it was named. */
  constructor(contract: string, where: string) {
    super(
      EVM_ERROR_CODES.ABSTRACT_CONTRACT,
      `${contract} (${where}) is abstract: an abstract contract or an interface has no bytecode ` +
        "to put behind a proxy",
      "abstract: name a deployable contract, the one that inherits it and is deployed (e.g. " +
        "aegis:layout --old <contract> --new <contract>)",
    );
  }
}
