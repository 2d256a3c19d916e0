/**
 * Who may make one call: asked of the contract itself. The call is simulated from an address no
 * one holds; the guard's refusal names what it wanted (OpenZeppelin's AccessControl names the
 * role, Ownable means the owner), and the role's members are read from the contract's own
 * RoleGranted events, each confirmed by hasRole at the block. Nothing is assumed from a preset's
 * or a protocol's documentation: the contract answers.
 */
import { ethers, type Provider } from "ethers";
import { creationBlockOf } from "./creation-block";

/** An address that holds no role and owns nothing: the simulated caller of a guarded function. */
export const OUTSIDER = "0x00000000000000000000000000000000AE915000";

const guardErrors = new ethers.Interface([
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
  "error OwnableUnauthorizedAccount(address account)",
]);
const accessControl = new ethers.Interface([
  "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function owner() view returns (address)",
]);

/** What guards a call, as the contract told it. */
export type CallGuard =
  | { kind: "anyone" }
  | { kind: "owner"; contract: string; owner: string }
  | { kind: "role"; contract: string; role: string; members: string[] }
  | { kind: "unknown"; contract: string; reason: string };

/** Simulates `data` to `to` from OUTSIDER and reads who the guard wants instead. */
export async function readCallGuard(
  provider: Provider,
  to: string,
  data: string,
  blockTag: number,
): Promise<CallGuard> {
  const contract = ethers.getAddress(to);
  let revertData: string;
  try {
    await provider.call({ from: OUTSIDER, to: contract, data, blockTag });
    return { kind: "anyone" };
  } catch (error) {
    revertData = revertDataOf(error);
  }
  const parsed = parseGuardError(revertData);
  if (
    parsed?.name === "OwnableUnauthorizedAccount" ||
    /Ownable: caller/.test(revertText(revertData))
  ) {
    const owner = await new ethers.Contract(contract, accessControl, provider)
      .getFunction("owner")
      .staticCall({ blockTag });
    return { kind: "owner", contract, owner: ethers.getAddress(owner as string) };
  }
  // OpenZeppelin 5 names the role in a custom error, 4 in a revert string.
  const role =
    parsed?.name === "AccessControlUnauthorizedAccount"
      ? (parsed.args[1] as string)
      : /is missing role (0x[0-9a-f]{64})/i.exec(revertText(revertData))?.[1];
  if (role !== undefined) {
    return {
      kind: "role",
      contract,
      role,
      members: await roleMembers(provider, contract, role, blockTag),
    };
  }
  return {
    kind: "unknown",
    contract,
    reason: `a call from an outsider reverts without naming an owner or a role (${revertText(revertData) || revertData || "no data"})`,
  };
}

/** The accounts holding `role` at the block: granted in an event, still held per hasRole. */
export async function roleMembers(
  provider: Provider,
  contract: string,
  role: string,
  blockTag: number,
): Promise<string[]> {
  const fromBlock = await creationBlockOf(provider, contract, blockTag);
  const logs = await provider.getLogs({
    address: contract,
    topics: [accessControl.getEvent("RoleGranted")!.topicHash, role],
    fromBlock,
    toBlock: blockTag,
  });
  const candidates = [
    ...new Set(logs.map((log) => ethers.getAddress(ethers.dataSlice(log.topics[2]!, 12)))),
  ];
  const checker = new ethers.Contract(contract, accessControl, provider).getFunction("hasRole");
  const held = await Promise.all(
    candidates.map(
      (account) => checker.staticCall(role, account, { blockTag }) as Promise<boolean>,
    ),
  );
  return candidates.filter((_, index) => held[index]);
}

function parseGuardError(data: string): ethers.ErrorDescription | null {
  try {
    return data.length >= 10 ? guardErrors.parseError(data) : null;
  } catch {
    return null;
  }
}

/** Error(string)'s text, or "" for anything else. */
function revertText(data: string): string {
  if (!data.startsWith("0x08c379a0")) return "";
  try {
    return ethers.AbiCoder.defaultAbiCoder().decode(
      ["string"],
      ethers.dataSlice(data, 4),
    )[0] as string;
  } catch {
    return "";
  }
}

/** The revert data ethers found in a failed call, wherever the provider put it. */
export function revertDataOf(error: unknown): string {
  const candidate = error as {
    data?: unknown;
    info?: { error?: { data?: unknown } };
    error?: { data?: unknown };
  };
  for (const data of [candidate.data, candidate.info?.error?.data, candidate.error?.data]) {
    if (typeof data === "string" && data.startsWith("0x")) return data;
    if (typeof (data as { data?: unknown })?.data === "string")
      return (data as { data: string }).data;
  }
  return "0x";
}
