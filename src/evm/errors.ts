/**
 * Errors a user meets on the EVM side (`AEGIS-E3xx`). Each names the thing that is wrong and how
 * to fix it; tasks print code, message and hint without a stack trace. Codes are stable: tests and
 * scripts match on them, never on wording.
 */
import { AegisError } from "../core/errors";
import { EVM_ERROR_CODES } from "./error-codes";

/** The hint of the core's RunNotFoundError (AEGIS-E111) for a run id given on the command line. */
export const LIST_RUNS_HINT = "npx hardhat aegis:status lists the runs of this network";

/** Shortens an address for one-line messages: 0x5FbD…0aa3. */
export function shortAddress(address: string): string {
  return address.length === 42 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** AEGIS-E300: the network's JSON-RPC endpoint does not answer. */
export class RpcUnreachableError extends AegisError {
  /** Names the network and the URL that did not answer. */
  constructor(networkName: string, url: string, cause: string) {
    super(
      EVM_ERROR_CODES.RPC_UNREACHABLE,
      `network ${networkName} (${url}) is unreachable: ${cause}`,
      networkName === "localhost"
        ? "start a local node first (npx hardhat node), or set AEGIS_LOCALHOST_URL to its URL"
        : `check the url of network ${networkName} in hardhat.config.ts and that the node is up`,
    );
  }
}

/** AEGIS-E301: an argument that must be an address is not one. */
export class InvalidAddressError extends AegisError {
  /** Names the argument and the value given. */
  constructor(argument: string, value: string) {
    super(
      EVM_ERROR_CODES.INVALID_ADDRESS,
      `${argument} ${JSON.stringify(value)} is not an address`,
      `pass a 0x-prefixed 20-byte hex address (checksummed or all lower case) as ${argument}`,
    );
  }
}

/** AEGIS-E302: a deployment record exists and overwriting it would lose a live deployment. */
export class RecordExistsError extends AegisError {
  /** Names the record's file and network. */
  constructor(recordPath: string, networkName: string) {
    super(
      EVM_ERROR_CODES.RECORD_EXISTS,
      `a deployment record already exists for network ${networkName}: ${recordPath}`,
      "it describes a live deployment; pass --force to replace it, or move the file away first",
    );
  }
}

/** AEGIS-E303: the connected chain is not the chain the record was written for. */
export class ChainIdMismatchError extends AegisError {
  /** Names both chain ids and the record. */
  constructor(recordPath: string, recordChainId: number, actualChainId: number) {
    super(
      EVM_ERROR_CODES.CHAIN_ID_MISMATCH,
      `chain id ${actualChainId} differs from ${recordChainId} in ${recordPath}`,
      "connect to the network the record was written for, or redeploy on this one",
    );
  }
}

/** AEGIS-E304: the signer has no right to upgrade the proxy. */
export class SignerCannotUpgradeError extends AegisError {
  /**
   * Names the signer, the proxy, its admin and who really holds the right; `ownerIs` says what
   * that owner is (a key, a Safe and its owners, a timelock and its proposers).
   */
  constructor(
    signer: string,
    proxyLabel: string,
    admin: string,
    adminOwner: string,
    ownerIs?: string,
  ) {
    super(
      EVM_ERROR_CODES.SIGNER_CANNOT_UPGRADE,
      `signer ${shortAddress(signer)} cannot upgrade ${proxyLabel}: its ProxyAdmin ${shortAddress(admin)} is owned by ${shortAddress(adminOwner)}${ownerIs === undefined ? "" : ` (${ownerIs})`}`,
      "sign with the account that owns the ProxyAdmin, or one that owns its Safe or proposes to its timelock (npx hardhat aegis:verify-admin shows the whole chain)",
    );
  }
}

/** AEGIS-E305: an address that should be a proxy is an EOA or a contract without EIP-1967 slots. */
export class NotAProxyError extends AegisError {
  /** Names the address and what it turned out to be. */
  constructor(address: string, whatItIs: string) {
    super(
      EVM_ERROR_CODES.NOT_A_PROXY,
      `${address} is not an EIP-1967 proxy: ${whatItIs}`,
      "pass the proxy's address (or its deployment name), not the implementation's or an account's",
    );
  }
}

/** AEGIS-E306: a contract name that the build does not contain. */
export class UnknownContractError extends AegisError {
  /** Names the contract, and close matches when there are some. */
  constructor(name: string, suggestions: string[]) {
    super(
      EVM_ERROR_CODES.UNKNOWN_CONTRACT,
      `no contract named ${name} in this project's build`,
      suggestions.length > 0
        ? `did you mean ${suggestions.join(", ")}? (npx hardhat compile builds the contracts/ folder)`
        : "check the name against contracts/ and run npx hardhat compile",
    );
  }
}

/** AEGIS-E309: no deployment record for the network. */
export class RecordNotFoundError extends AegisError {
  /**
   * Names the record that was looked for. Given the proxy's address (a proxy passed by address
   * that no record describes), the hint offers to import it.
   */
  constructor(recordPath: string, networkName: string, proxyAddress?: string) {
    super(
      EVM_ERROR_CODES.RECORD_NOT_FOUND,
      `no deployment record ${recordPath} for network ${networkName}`,
      proxyAddress === undefined
        ? `import the proxy (npx hardhat aegis:import --network ${networkName} --proxy <address>) ` +
            "or pass its address; in the toolkit's own repository, the reference protocol is " +
            `deployed with npx hardhat aegis:deploy --network ${networkName}`
        : `no record describes this proxy yet: import it first (npx hardhat aegis:import --network ${networkName} --proxy ${proxyAddress})`,
    );
  }
}

/** AEGIS-E310: a deployment record exists but cannot be read. */
export class RecordInvalidError extends AegisError {
  /** Names the file and the first problem found. */
  constructor(recordPath: string, problem: string) {
    super(
      EVM_ERROR_CODES.RECORD_INVALID,
      `deployment record ${recordPath} is invalid: ${problem}`,
      "restore it from version control, or move it aside and rebuild it from the chain " +
        "(npx hardhat aegis:import --network <network> --proxy <address>)",
    );
  }
}

/** AEGIS-E311: seeding needs the accounts of a development node. */
export class SeedUnavailableError extends AegisError {
  /** Says why the network cannot be seeded. */
  constructor(networkName: string, reason: string) {
    super(
      EVM_ERROR_CODES.SEED_UNAVAILABLE,
      `cannot seed network ${networkName}: ${reason}`,
      "seed only a development network (hardhat, localhost) whose node unlocks several accounts",
    );
  }
}

/** AEGIS-E307: the new implementation's storage layout or code is not upgrade safe. */
export class IncompatibleUpgradeError extends AegisError {
  /** Names both contracts and the first problems found. */
  constructor(from: string, to: string, problems: string[]) {
    super(
      EVM_ERROR_CODES.INCOMPATIBLE_UPGRADE,
      `${to} cannot replace ${from}: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""}`,
      "append new variables after all existing ones and keep types; npx hardhat aegis:layout shows every item",
    );
  }
}

/** AEGIS-E308: an invariant fails before anything was done: not the upgrade's fault. */
export class InvariantAlreadyFailingError extends AegisError {
  /** Names the failing invariants and their figures. */
  constructor(violations: string[]) {
    super(
      EVM_ERROR_CODES.INVARIANT_ALREADY_FAILING,
      `invariants already fail before the upgrade: ${violations.join("; ")}`,
      "repair the protocol's state first; an upgrade on a broken book would hide who broke it",
    );
  }
}

/** AEGIS-E312: a transaction the plan sent was mined but reverted. */
export class TransactionRevertedError extends AegisError {
  /** Names the transaction and the revert reason when the node gave one. */
  constructor(label: string, hash: string, reason: string) {
    super(
      EVM_ERROR_CODES.TRANSACTION_REVERTED,
      `transaction ${label} (${hash}) reverted${reason ? `: ${reason}` : ""}`,
      "nothing it would have changed was changed; fix the cause and resume the run to send it again",
    );
  }
}

/** AEGIS-E313: a transaction left without outcome by a crash cannot be found or ruled out. */
export class TransactionUnreconcilableError extends AegisError {
  /** Names the account and nonce that could not be accounted for. */
  constructor(from: string, nonce: number, detail: string) {
    super(
      EVM_ERROR_CODES.TRANSACTION_UNRECONCILABLE,
      `cannot tell whether the transaction from ${shortAddress(from)} with nonce ${nonce} happened: ${detail}`,
      "look the account's transactions up in an explorer, then give the run up (npx hardhat " +
        "aegis:abandon --run <runId>; aegis:status lists the runs) and start a new one",
    );
  }
}

/** AEGIS-E314: a sent transaction's receipt did not come in time. */
export class ReceiptTimeoutError extends AegisError {
  /**
   * Names the transaction, its hash (undefined when the node took the transaction but never
   * showed it back) and how long its receipt was waited for.
   */
  constructor(label: string, hash: string | undefined, waitedMs: number) {
    super(
      EVM_ERROR_CODES.RECEIPT_TIMEOUT,
      hash === undefined
        ? `transaction ${label} was handed to the node, which did not show it back within ${formatWait(waitedMs)}: it may still be mined`
        : `no receipt for transaction ${label} (${hash}) after ${formatWait(waitedMs)}: it may still be mined`,
      "look the account's transactions up on the network; once it is mined (or dropped) resume the run, which " +
        "finds out from the chain what happened and never sends it twice (a higher " +
        "AEGIS_RECEIPT_TIMEOUT, e.g. 30m, waits longer)",
    );
  }
}

function formatWait(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** AEGIS-E338 (UUPS): the proxy's own upgrade guard refuses the signer. */
export class SignerLacksUpgradeRightError extends AegisError {
  /** Names the signer, the proxy and what the guard answered. */
  constructor(signer: string, proxyLabel: string, reason: string) {
    super(
      EVM_ERROR_CODES.SIGNER_LACKS_UUPS_UPGRADE_RIGHT,
      `signer ${shortAddress(signer)} cannot upgrade UUPS proxy ${proxyLabel}: ${reason}`,
      "use an account the implementation's _authorizeUpgrade accepts (its upgrader role or owner); npx hardhat aegis:verify-admin shows who holds it",
    );
  }
}

/** AEGIS-E315: the record's implementation is not the one the proxy points at. */
export class RecordOutOfDateError extends AegisError {
  /** Names the record and both implementations. */
  constructor(recordPath: string, recorded: string, actual: string) {
    super(
      EVM_ERROR_CODES.RECORD_OUT_OF_DATE,
      `${recordPath} says the proxy points at ${recorded}, but it points at ${actual}`,
      "someone upgraded outside this toolkit: find out who, then update the record's current implementation and layout",
    );
  }
}

/** AEGIS-E319: the proxy's initializer version already reached what the reinitializer sets. */
export class AlreadyReinitializedError extends AegisError {
  /** Names the proxy, both versions and, when a run of this toolkit made it, what it wrote. */
  constructor(proxy: string, current: number, expected: number, earlierWrites?: string) {
    super(
      EVM_ERROR_CODES.ALREADY_REINITIALIZED,
      `proxy ${proxy} is already initialized to version ${current}, so a reinitializer(${expected}) would revert` +
        (earlierWrites === undefined ? "" : ` (the earlier reinitializer wrote ${earlierWrites})`),
      "a rolled-back upgrade leaves its reinitializer's writes in storage: upgrade without the call " +
        "(npx hardhat aegis:upgrade --call none, which shows those writes first), or to a version " +
        `with reinitializer(${current + 1})`,
    );
  }
}

/** AEGIS-E330: a live upgrade without a passing rehearsal of the same plan. */
export class RehearsalMissingError extends AegisError {
  /** Names the network and the plan hash that has no passing receipt. */
  constructor(networkName: string, planHash: string, receiptsDir: string) {
    super(
      EVM_ERROR_CODES.REHEARSAL_MISSING,
      `no passing rehearsal of plan ${planHash.slice(0, 12)}… for network ${networkName} in ${receiptsDir}`,
      `rehearse it first (npx hardhat aegis:rehearse --network ${networkName} --fork-url <url>), ` +
        "or upgrade without one (npx hardhat aegis:upgrade --without-rehearsal; the report says so)",
    );
  }
}

/** AEGIS-E317: a setting the upgrade needs is neither on the command line nor in the config. */
export class MissingUpgradeSettingError extends AegisError {
  /** Names what is missing, and the task's flag that gives it (`--target` for a snapshot). */
  constructor(setting: "proxy" | "to", flag: string = `--${setting}`) {
    super(
      EVM_ERROR_CODES.MISSING_UPGRADE_SETTING,
      `no ${setting === "proxy" ? "proxy" : "contract to upgrade to"} given: pass ${flag} or set aegis.upgrade.${setting} in hardhat.config.ts`,
      setting === "proxy"
        ? "name a deployment record (deployments/<network>/<name>.json, made by aegis:import) or a proxy's address"
        : "name a contract of the build, e.g. the next version of the proxy's implementation",
    );
  }
}

/** AEGIS-E318: the run needs a confirmation that a non-interactive session cannot give. */
export class ConfirmationUnavailableError extends AegisError {
  /** Names what is missing or wrong. */
  constructor(command = "aegis:upgrade") {
    super(
      EVM_ERROR_CODES.CONFIRMATION_UNAVAILABLE,
      `${command} asks before its first transaction, and this session has no terminal to ask on`,
      command === "aegis:upgrade"
        ? "review the plan with --dry-run, then pass --yes"
        : "review what it would do in the lines above, then pass --yes",
    );
  }
}

/** AEGIS-E339: the URL given to --fork-url does not answer (the network itself is not asked). */
export class ForkUrlUnreachableError extends AegisError {
  /** Names the fork URL (as safeUrl shows it) and the cause. */
  constructor(shownUrl: string, cause: string) {
    super(
      EVM_ERROR_CODES.FORK_URL_UNREACHABLE,
      `fork URL ${shownUrl} is unreachable: ${cause}`,
      "check --fork-url: the live chain's JSON-RPC URL, with its API key in the path, the query " +
        "or as user:password@ as your provider gives it, and that the node is up",
    );
  }
}

/** AEGIS-E349: --engine anvil, but no anvil binary for this platform is installed. */
export class AnvilNotInstalledError extends AegisError {
  /** Names the platform package that was looked for. */
  constructor(platformPackage: string) {
    super(
      EVM_ERROR_CODES.ANVIL_NOT_INSTALLED,
      `--engine anvil needs anvil, and ${platformPackage} is not installed`,
      "add @foundry-rs/anvil (1.7.1, the version these tests pin) to the project's dev " +
        "dependencies, or rehearse with --engine hardhat",
    );
  }
}

/** AEGIS-E331: the fork engine asked for is not one the toolkit starts. */
export class UnknownForkEngineError extends AegisError {
  /** Names what is missing or wrong. */
  constructor(engine: string) {
    super(
      EVM_ERROR_CODES.UNKNOWN_FORK_ENGINE,
      `unknown fork engine ${JSON.stringify(engine)}`,
      "use --engine hardhat or --engine anvil",
    );
  }
}

/** AEGIS-E332: a proxy kind the toolkit does not deploy. */
export class InvalidProxyKindError extends AegisError {
  /** Names the kind given. */
  constructor(kind: string) {
    super(
      EVM_ERROR_CODES.INVALID_PROXY_KIND,
      `unknown proxy kind ${JSON.stringify(kind)}`,
      "use --kind transparent (a ProxyAdmin owns the upgrade) or --kind uups (the implementation does)",
    );
  }
}

/** AEGIS-E333: a new run of a target that an unfinished run of this toolkit still holds. */
export class UnfinishedRunError extends AegisError {
  /** Names the unfinished run, where it stands and the commands that finish it. */
  constructor(runId: string, standing: string, network: string) {
    super(
      EVM_ERROR_CODES.UNFINISHED_RUN,
      `run ${runId} of this proxy is unfinished (${standing}); a new run would start from what it left`,
      `finish it: npx hardhat aegis:upgrade --network ${network} --resume ${runId}; ` +
        `or undo it: npx hardhat aegis:rollback --network ${network} --run ${runId}; ` +
        `or give it up after checking the chain: npx hardhat aegis:abandon --network ${network} --run ${runId}`,
    );
  }
}

/** AEGIS-E334: another process is running a run of this target right now. */
export class RunInProgressError extends AegisError {
  /** Names the run and where it stands. */
  constructor(runId: string, standing: string, network: string) {
    super(
      EVM_ERROR_CODES.RUN_IN_PROGRESS,
      `run ${runId} of this proxy is in progress in another process (${standing})`,
      `wait for it to end (npx hardhat aegis:status --network ${network} shows it), then look at its report`,
    );
  }
}

/** AEGIS-E335: the chain no longer matches what a run's journal says the run did. */
export class TargetChangedError extends AegisError {
  /** Names the run and every field that differs, with the journal's and the chain's values. */
  constructor(runId: string, differences: string[]) {
    super(
      EVM_ERROR_CODES.TARGET_CHANGED,
      `the proxy changed since run ${runId} last acted on it: ${differences.join("; ")}`,
      "another run or a person changed it; nothing was sent. Find out who (aegis:status lists the " +
        "toolkit's runs), then give this run up with aegis:abandon --run " +
        `${runId} and start a new one`,
    );
  }
}

/** AEGIS-E336: a rollback found the proxy on an implementation its run did not install. */
export class ForeignUpgradeError extends AegisError {
  /** Names both implementations. */
  constructor(found: string, installed: string | undefined) {
    super(
      EVM_ERROR_CODES.FOREIGN_UPGRADE,
      `the proxy points at ${found}, which this run did not install${installed === undefined ? "" : ` (it installed ${installed})`}; no downgrade is sent`,
      "someone upgraded after this run: roll back that upgrade instead, or abandon this run (aegis:abandon)",
    );
  }
}

/** AEGIS-E337: a --call that is neither `none` nor `fn(arg, ...)`. */
export class InvalidCallError extends AegisError {
  /** Names what was given. */
  constructor(given: string) {
    super(
      EVM_ERROR_CODES.INVALID_CALL,
      `--call takes none or a call like initializeV2(1), not "${given}"`,
      "pass --call none to upgrade without a reinitializer, or --call 'fn(arg1,arg2)'",
    );
  }
}

/** AEGIS-E340: a deployed implementation whose runtime code matches no contract of the build. */
export class ImplementationUnmatchedError extends AegisError {
  /**
   * Names the proxy's implementation, what it was compared with and the closest candidates.
   * `forced`: --force was given but nothing says what storage layout the implementation has.
   */
  constructor(
    proxy: string,
    implementation: string,
    compared: string,
    closest: string[],
    forced = false,
  ) {
    const importForced = `npx hardhat aegis:import --proxy ${proxy} --contract <name> --force`;
    super(
      EVM_ERROR_CODES.IMPLEMENTATION_UNMATCHED,
      `implementation ${implementation} of proxy ${proxy} matches ${compared}` +
        (closest.length > 0 ? `; closest: ${closest.join(", ")}` : ""),
      forced
        ? `with --force, name the contract whose storage layout it has (${importForced}); the record and every report then carry a warning`
        : "add the sources it was built from to contracts/ and import again, or import it anyway " +
            `with the contract whose storage layout it has (${importForced}); the record and every report then carry a warning`,
    );
  }
}

/** AEGIS-E348: a deployed implementation whose runtime code matches several contracts of the build. */
export class AmbiguousImplementationError extends AegisError {
  /** Names the implementation and every contract it matches. */
  constructor(implementation: string, contracts: string[]) {
    super(
      EVM_ERROR_CODES.AMBIGUOUS_IMPLEMENTATION,
      `implementation ${implementation} matches several contracts of this build: ${contracts.join(", ")}`,
      `say which it is with --contract (e.g. --contract ${contracts[0] ?? "<name>"})`,
    );
  }
}

/** AEGIS-E341: an import would replace a record that says something else. */
export class ImportConflictError extends AegisError {
  /** Names the record and every field that differs, with the record's and the chain's values. */
  constructor(recordPath: string, differences: string[]) {
    super(
      EVM_ERROR_CODES.IMPORT_CONFLICT,
      `${recordPath} already exists and differs from what the chain says: ${differences.join("; ")}`,
      "aegis:import never overwrites a record: choose another --name, or move that file away and import again",
    );
  }
}

/** AEGIS-E342: a proxy the toolkit cannot upgrade (a beacon proxy, an admin that is no ProxyAdmin). */
export class UnsupportedProxyError extends AegisError {
  /** Names the proxy and what makes it unsupported. */
  constructor(proxy: string, why: string) {
    super(
      EVM_ERROR_CODES.UNSUPPORTED_PROXY,
      `proxy ${proxy} is not one the toolkit upgrades: ${why}`,
      "the toolkit upgrades transparent proxies (through their ProxyAdmin) and UUPS proxies; " +
        "upgrade a beacon through its beacon with OpenZeppelin's upgrades.upgradeBeacon",
    );
  }
}

/** AEGIS-E343: a record name that cannot be a file name. */
export class InvalidRecordNameError extends AegisError {
  /** Names the value given. */
  constructor(name: string) {
    super(
      EVM_ERROR_CODES.INVALID_RECORD_NAME,
      `--name ${JSON.stringify(name)} cannot name a deployment record`,
      "use letters, digits, dot, dash and underscore, starting with a letter (e.g. --name MyToken)",
    );
  }
}

/** AEGIS-E344: the generic preset's configuration in hardhat.config.ts is malformed. */
export class InvalidPresetConfigError extends AegisError {
  /** Names the config key and the first problem found. */
  constructor(key: string, problem: string) {
    super(
      EVM_ERROR_CODES.INVALID_PRESET_CONFIG,
      `${key} in hardhat.config.ts is invalid: ${problem}`,
      "fix that key; a preset is the name of one registered in code (registerPreset), a " +
        "function that loads one, or data: " +
        "{ pause, accounts, views, invariants, snapshotKeys }",
    );
  }
}

/** AEGIS-E345: the preset's pause, unpause or paused function is not in the contract. */
export class PresetPauseFunctionMissingError extends AegisError {
  /** Names the preset key, the function and the contract. */
  constructor(key: string, fn: string, contract: string, available: string[]) {
    super(
      EVM_ERROR_CODES.PRESET_PAUSE_FUNCTION_MISSING,
      `${key}: ${contract} has no function ${fn}` +
        (available.length > 0 ? ` (it has ${available.join(", ")})` : ""),
      'name the contract\'s own pause functions, or set pause: "none" to upgrade without pausing (the protocol then stays live during the upgrade)',
    );
  }
}

/** AEGIS-E346: a state view or an invariant names a view the contract does not have. */
export class PresetViewMissingError extends AegisError {
  /** Names the preset key, the view and the contract. */
  constructor(key: string, view: string, contract: string, why: string) {
    super(
      EVM_ERROR_CODES.PRESET_VIEW_MISSING,
      `${key}: ${contract} has no view ${view} (${why})`,
      "name a view or pure function the contract declares (its ABI is in its artifact under " +
        "artifacts/), e.g. totalSupply() or balanceOf(holders) with holders listed under accounts",
    );
  }
}

/** AEGIS-E347: a configured view call reverted or returned something unreadable. */
export class PresetViewFailedError extends AegisError {
  /** Names the call, the block and the node's answer. */
  constructor(call: string, proxy: string, block: number, cause: string) {
    super(
      EVM_ERROR_CODES.PRESET_VIEW_FAILED,
      `${call} on ${proxy} failed at block ${block}: ${cause}`,
      "check that the view can be called by anyone without arguments other than the listed accounts",
    );
  }
}

/** AEGIS-E350: the signer reaches the right only through a Safe or a timelock, which this run cannot drive. */
export class AuthorityRouteUnsupportedError extends AegisError {
  /** Names the right, the proxy and the way the signer would reach it. */
  constructor(right: string, proxyLabel: string, route: string, why: string) {
    super(
      EVM_ERROR_CODES.AUTHORITY_ROUTE_UNSUPPORTED,
      `the ${right} of ${proxyLabel} is reached only ${route}: ${why}`,
      "npx hardhat aegis:verify-admin shows the chain; sign with an account that holds the right itself, or make the change through the Safe or timelock by hand",
    );
  }
}

/** AEGIS-E351: the signer cannot pause or unpause the proxy, so the checklist could not hold it still. */
export class SignerCannotPauseError extends AegisError {
  /** Names the signer, the call (pause or unpause), the proxy and who holds the right. */
  constructor(signer: string, call: string, proxyLabel: string, holders: string) {
    super(
      EVM_ERROR_CODES.SIGNER_CANNOT_PAUSE,
      `signer ${shortAddress(signer)} cannot ${call} ${proxyLabel}: that right is ${holders}`,
      "sign with an account that holds the pause right, or one that owns its Safe or proposes to its timelock (npx hardhat aegis:verify-admin shows who does)",
    );
  }
}

/**
 * AEGIS-E352: a timelock operation this run scheduled was cancelled. Nothing more is sent and
 * the run is not rolled back by itself: someone with the canceller role decided, a person goes on.
 */
export class TimelockOperationCancelledError extends AegisError {
  override readonly forPerson = true;
  /** Names the call, the timelock, the operation, its salt and who may cancel or schedule it. */
  constructor(
    label: string,
    timelock: string,
    operation: string,
    salt: string,
    cancellers: string,
    proposers: string,
  ) {
    super(
      EVM_ERROR_CODES.TIMELOCK_OPERATION_CANCELLED,
      `${label} through timelock ${shortAddress(timelock)} was cancelled (operation ${operation}); nothing more was sent. Cancellers: ${cancellers}`,
      `a proposer (${proposers}) may schedule the same call again (same target, data and salt ${salt}), then npx hardhat aegis:upgrade --resume <run> goes on; or undo the run with npx hardhat aegis:rollback`,
    );
  }
}

/** AEGIS-E353: a Safe whose version (and so transaction hashing) the toolkit does not know. */
export class SafeVersionUnsupportedError extends AegisError {
  /** Names the Safe, its version and the versions the toolkit knows. */
  constructor(safe: string, version: string, known: string) {
    super(
      EVM_ERROR_CODES.SAFE_VERSION_UNSUPPORTED,
      `Safe ${safe} reports version ${version}, whose transaction hash this toolkit does not know (it knows ${known}); nothing was built or sent`,
      "upgrade through a Safe of a known version, or sign with an account that holds the right itself (npx hardhat aegis:verify-admin shows the chain)",
    );
  }
}

/** AEGIS-E354: the local signers cannot reach the Safe's threshold. */
export class SafeThresholdUnmetError extends AegisError {
  /** Names the Safe, the threshold, how many local owners could sign and the owners. */
  constructor(safe: string, threshold: number, available: number, owners: string) {
    super(
      EVM_ERROR_CODES.SAFE_THRESHOLD_UNMET,
      `Safe ${safe} needs ${threshold} signatures, but only ${available} of its owners (${owners}) are accounts of this network; nothing was executed`,
      "add the missing owners' accounts to the network in hardhat.config.ts, or run without --sign-locally and collect the signatures in the Safe",
    );
  }
}

/**
 * AEGIS-E355: the Safe transaction the run waits for will never execute as built: the Safe ran
 * it and it failed, or another transaction took its nonce. A person decides; nothing more is sent.
 */
export class SafeTransactionNotExecutedError extends AegisError {
  override readonly forPerson = true;
  /** Names the call, the Safe, its transaction hash and nonce, and what happened. */
  constructor(label: string, safe: string, safeTxHash: string, nonce: number, what: string) {
    super(
      EVM_ERROR_CODES.SAFE_TRANSACTION_NOT_EXECUTED,
      `${label} through Safe ${shortAddress(safe)} (Safe transaction ${safeTxHash}, nonce ${nonce}) ${what}; nothing more was sent`,
      "check the Safe's history; undo the run with npx hardhat aegis:rollback, or make the same call by hand and resume with npx hardhat aegis:upgrade --resume <run>",
    );
  }
}

/** AEGIS-E356: local Safe signing asked for on a network that is not a development network. */
export class LocalSafeSigningRefusedError extends AegisError {
  /** Names the network. */
  constructor(network: string) {
    super(
      EVM_ERROR_CODES.LOCAL_SAFE_SIGNING_REFUSED,
      `--sign-locally signs a Safe's transactions with the network's own accounts, which only a development network may do; ${network} is not one`,
      "leave out --sign-locally: the run writes the Safe transaction to sign and waits for the owners, or add the network to aegis.developmentNetworks if it is a test chain",
    );
  }
}
