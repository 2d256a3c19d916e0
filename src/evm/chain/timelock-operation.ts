/**
 * One call through an OpenZeppelin TimelockController: its operation id (computed as the
 * contract does, so it is known before anything is sent), the schedule and execute calldata, and
 * the operation's state read back from the timelock. A salt derived from the run and the effect
 * makes the id unique to this run's call, so a resume finds its own operation and never another's.
 */
import { ethers, type Provider } from "ethers";

export const TIMELOCK_INTERFACE = new ethers.Interface([
  "function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)",
  "function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt) payable",
  "function cancel(bytes32 id)",
  "function getTimestamp(bytes32 id) view returns (uint256)",
  "function getMinDelay() view returns (uint256)",
  "event CallExecuted(bytes32 indexed id, uint256 indexed index, address target, uint256 value, bytes data)",
  "event Cancelled(bytes32 indexed id)",
]);

/** OpenZeppelin's marker of an executed operation (getTimestamp returns it once done). */
const DONE_TIMESTAMP = 1n;

/** A call the timelock makes once its delay has passed. */
export interface TimelockCall {
  timelock: string;
  target: string;
  data: string;
  salt: string;
  /** Seconds; the timelock refuses less than its minimum delay. */
  delay: number;
}

/** Where an operation stands, as the timelock says ("unset": never scheduled, or cancelled). */
export type OperationState =
  | { state: "unset" }
  | { state: "waiting"; readyAt: number }
  | { state: "ready"; readyAt: number }
  | { state: "done" };

/** The salt of one effect of one run: deterministic, so a resume recomputes the same id. */
export function operationSalt(runId: string, stepId: string, key: string): string {
  return ethers.id(`aegis:${runId}:${stepId}:${key}`);
}

/** The operation id, as TimelockController.hashOperation computes it. */
export function operationId(call: TimelockCall): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "uint256", "bytes", "bytes32", "bytes32"],
      [call.target, 0, call.data, ethers.ZeroHash, call.salt],
    ),
  );
}

/** Calldata of schedule(), sent to the timelock by a proposer. */
export function scheduleData(call: TimelockCall): string {
  return TIMELOCK_INTERFACE.encodeFunctionData("schedule", [
    call.target,
    0,
    call.data,
    ethers.ZeroHash,
    call.salt,
    call.delay,
  ]);
}

/** Calldata of execute(), sent to the timelock by an executor. */
export function executeData(call: TimelockCall): string {
  return TIMELOCK_INTERFACE.encodeFunctionData("execute", [
    call.target,
    0,
    call.data,
    ethers.ZeroHash,
    call.salt,
  ]);
}

/** Reads the operation's state; "ready" is judged against the latest block's timestamp, as the timelock does. */
export async function readOperationState(
  provider: Provider,
  timelock: string,
  id: string,
): Promise<OperationState> {
  const contract = new ethers.Contract(timelock, TIMELOCK_INTERFACE, provider);
  const [timestamp, block] = await Promise.all([
    contract.getFunction("getTimestamp").staticCall(id) as Promise<bigint>,
    provider.getBlock("latest"),
  ]);
  if (timestamp === 0n) return { state: "unset" };
  if (timestamp === DONE_TIMESTAMP) return { state: "done" };
  const readyAt = Number(timestamp);
  return readyAt <= (block?.timestamp ?? 0)
    ? { state: "ready", readyAt }
    : { state: "waiting", readyAt };
}

/** The transaction that executed the operation (its CallExecuted event), from `fromBlock` on. */
export async function findExecution(
  provider: Provider,
  timelock: string,
  id: string,
  fromBlock: number,
): Promise<{ hash: string; block: number } | undefined> {
  const logs = await provider.getLogs({
    address: timelock,
    topics: [TIMELOCK_INTERFACE.getEvent("CallExecuted")!.topicHash, id],
    fromBlock,
  });
  const log = logs[0];
  return log === undefined ? undefined : { hash: log.transactionHash, block: log.blockNumber };
}

/** Whether the operation was cancelled (a Cancelled event from `fromBlock` on). */
export async function wasCancelled(
  provider: Provider,
  timelock: string,
  id: string,
  fromBlock: number,
): Promise<boolean> {
  const logs = await provider.getLogs({
    address: timelock,
    topics: [TIMELOCK_INTERFACE.getEvent("Cancelled")!.topicHash, id],
    fromBlock,
  });
  return logs.length > 0;
}
