/**
 * What an account that holds a right is: a key (an EOA), a Safe (its owners, threshold, version
 * and nonce), an OpenZeppelin TimelockController (its delay and who proposes, executes and
 * cancels, each resolved in turn: a Safe behind a timelock), or a contract the toolkit does not
 * know. Read from the contracts' own views at one block, never from a configuration.
 */
import { ethers, type Provider } from "ethers";
import { roleMembers } from "./call-right";

/** Safe versions whose transaction hash and signature checks the toolkit knows (EIP-712, chainId in the domain). */
export const KNOWN_SAFE_VERSIONS = ["1.3.0", "1.4.1"] as const;

/** One account holding a right, resolved. */
export type AuthorityHolder =
  | { kind: "eoa"; address: string }
  | {
      kind: "safe";
      address: string;
      version: string;
      /** False for a version whose hashing the toolkit does not know: it will not build transactions for it. */
      knownVersion: boolean;
      owners: string[];
      threshold: number;
      nonce: string;
    }
  | {
      kind: "timelock";
      address: string;
      /** Seconds between scheduling and the earliest execution. */
      minDelay: number;
      proposers: AuthorityHolder[];
      /** "anyone" when the executor role is open (held by the zero address). */
      executors: AuthorityHolder[] | "anyone";
      cancellers: AuthorityHolder[];
    }
  | { kind: "contract"; address: string };

const safeInterface = new ethers.Interface([
  "function VERSION() view returns (string)",
  "function getOwners() view returns (address[])",
  "function getThreshold() view returns (uint256)",
  "function nonce() view returns (uint256)",
]);
const timelockInterface = new ethers.Interface([
  "function getMinDelay() view returns (uint256)",
  "function PROPOSER_ROLE() view returns (bytes32)",
  "function EXECUTOR_ROLE() view returns (bytes32)",
  "function CANCELLER_ROLE() view returns (bytes32)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
]);

/** Nesting deeper than this is reported as a plain contract: real setups have two levels. */
const MAX_DEPTH = 3;

/** Resolves what `address` is at the block, following a timelock's roles to their holders. */
export async function resolveHolder(
  provider: Provider,
  address: string,
  blockTag: number,
  depth = 0,
): Promise<AuthorityHolder> {
  const account = ethers.getAddress(address);
  if ((await provider.getCode(account, blockTag)) === "0x")
    return { kind: "eoa", address: account };
  if (depth >= MAX_DEPTH) return { kind: "contract", address: account };
  const safe = await readSafe(provider, account, blockTag);
  if (safe !== undefined) return safe;
  const timelock = new ethers.Contract(account, timelockInterface, provider);
  const minDelay = await view<bigint>(timelock, "getMinDelay", blockTag);
  if (minDelay === undefined) return { kind: "contract", address: account };
  const [proposerRole, executorRole, cancellerRole] = await Promise.all(
    ["PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"].map(
      (name) => view<string>(timelock, name, blockTag) as Promise<string>,
    ),
  );
  const resolveAll = async (role: string) =>
    Promise.all(
      (await roleMembers(provider, account, role, blockTag))
        .filter((member) => member !== ethers.ZeroAddress)
        .map((member) => resolveHolder(provider, member, blockTag, depth + 1)),
    );
  const openExecutor = (await timelock
    .getFunction("hasRole")
    .staticCall(executorRole, ethers.ZeroAddress, { blockTag })) as boolean;
  return {
    kind: "timelock",
    address: account,
    minDelay: Number(minDelay),
    proposers: await resolveAll(proposerRole!),
    executors: openExecutor ? "anyone" : await resolveAll(executorRole!),
    cancellers: await resolveAll(cancellerRole!),
  };
}

async function readSafe(
  provider: Provider,
  address: string,
  blockTag: number,
): Promise<AuthorityHolder | undefined> {
  const safe = new ethers.Contract(address, safeInterface, provider);
  const [owners, threshold] = await Promise.all([
    view<string[]>(safe, "getOwners", blockTag),
    view<bigint>(safe, "getThreshold", blockTag),
  ]);
  if (owners === undefined || threshold === undefined) return undefined;
  const [version, nonce] = await Promise.all([
    view<string>(safe, "VERSION", blockTag),
    view<bigint>(safe, "nonce", blockTag),
  ]);
  const known = (KNOWN_SAFE_VERSIONS as readonly string[]).includes(version ?? "");
  return {
    kind: "safe",
    address,
    version: version ?? "unknown",
    knownVersion: known,
    owners: owners.map((owner) => ethers.getAddress(owner)),
    threshold: Number(threshold),
    nonce: String(nonce ?? 0n),
  };
}

/** A view's value, or undefined when the contract has no such function (it reverts or returns nothing). */
async function view<T>(
  contract: ethers.Contract,
  name: string,
  blockTag: number,
): Promise<T | undefined> {
  try {
    const value = (await contract.getFunction(name).staticCall({ blockTag })) as T;
    return Array.isArray(value) ? ([...value] as T) : value;
  } catch {
    return undefined;
  }
}

/** One line naming a holder: "Safe 0x… (2 of 3, v1.4.1)", "TimelockController 0x… (delay 3600 s)". */
export function describeHolder(holder: AuthorityHolder): string {
  switch (holder.kind) {
    case "eoa":
      return `account ${holder.address}`;
    case "safe":
      return `Safe ${holder.address} (${holder.threshold} of ${holder.owners.length} owners, v${holder.version})`;
    case "timelock":
      return `TimelockController ${holder.address} (delay ${holder.minDelay} s; proposers: ${holder.proposers.map(describeHolder).join(", ") || "none"})`;
    case "contract":
      return `contract ${holder.address} (neither a Safe nor a TimelockController)`;
  }
}
