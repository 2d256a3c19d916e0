/**
 * Errors a user meets on the EVM side (`AEGIS-E3xx`). Each names the thing that is wrong and how
 * to fix it; tasks print code, message and hint without a stack trace. Codes are stable: tests and
 * scripts match on them, never on wording.
 */
import { AegisError } from "../core/errors";

/** Shortens an address for one-line messages: 0x5FbD…0aa3. */
export function shortAddress(address: string): string {
  return address.length === 42 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** AEGIS-E300: the network's JSON-RPC endpoint does not answer. */
export class RpcUnreachableError extends AegisError {
  /** Names the network and the URL that did not answer. */
  constructor(networkName: string, url: string, cause: string) {
    super(
      "AEGIS-E300",
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
      "AEGIS-E301",
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
      "AEGIS-E302",
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
      "AEGIS-E303",
      `chain id ${actualChainId} differs from ${recordChainId} in ${recordPath}`,
      "connect to the network the record was written for, or redeploy on this one",
    );
  }
}

/** AEGIS-E304: the signer has no right to upgrade the proxy. */
export class SignerCannotUpgradeError extends AegisError {
  /** Names the signer, the proxy, its admin and who really holds the right. */
  constructor(signer: string, proxyLabel: string, admin: string, adminOwner: string) {
    super(
      "AEGIS-E304",
      `signer ${shortAddress(signer)} cannot upgrade ${proxyLabel}: its ProxyAdmin ${shortAddress(admin)} is owned by ${shortAddress(adminOwner)}`,
      "use the owner's account for this network, or let the plan prepare a multisig batch",
    );
  }
}

/** AEGIS-E305: an address that should be a proxy is an EOA or a contract without EIP-1967 slots. */
export class NotAProxyError extends AegisError {
  /** Names the address and what it turned out to be. */
  constructor(address: string, whatItIs: string) {
    super(
      "AEGIS-E305",
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
      "AEGIS-E306",
      `no contract named ${name} in this project's build`,
      suggestions.length > 0
        ? `did you mean ${suggestions.join(", ")}? (npx hardhat compile builds the contracts/ folder)`
        : "check the name against contracts/ and run npx hardhat compile",
    );
  }
}

/** AEGIS-E309: no deployment record for the network. */
export class RecordNotFoundError extends AegisError {
  /** Names the record that was looked for. */
  constructor(recordPath: string, networkName: string) {
    super(
      "AEGIS-E309",
      `no deployment record ${recordPath} for network ${networkName}`,
      `deploy first (npx hardhat aegis:deploy --network ${networkName}) or pass the proxy's address`,
    );
  }
}

/** AEGIS-E310: a deployment record exists but cannot be read. */
export class RecordInvalidError extends AegisError {
  /** Names the file and the first problem found. */
  constructor(recordPath: string, problem: string) {
    super(
      "AEGIS-E310",
      `deployment record ${recordPath} is invalid: ${problem}`,
      "restore it from version control, or redeploy with --force",
    );
  }
}

/** AEGIS-E311: seeding needs the accounts of a development node. */
export class SeedUnavailableError extends AegisError {
  /** Says why the network cannot be seeded. */
  constructor(networkName: string, reason: string) {
    super(
      "AEGIS-E311",
      `cannot seed network ${networkName}: ${reason}`,
      "seed only a development network (hardhat, localhost) whose node unlocks several accounts",
    );
  }
}
