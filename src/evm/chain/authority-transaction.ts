/**
 * A checklist transaction sent through the authority that holds its right. Without a route the
 * signer sends it itself. Through a TimelockController it is three checkpointed moves, each a
 * journaled effect or a wait: schedule (the signer is a proposer), wait for the delay (the run
 * ends `waiting`, or `--wait` drives it on), execute (the signer, if an executor, else whoever
 * is). On every re-entry the operation's state is read from the timelock itself, so a resume
 * knows whether it is pending, ready, done by someone else, or cancelled.
 */
import { ethers, type Signer } from "ethers";
import type { EffectState } from "../../core/effect-types";
import type { StepContext } from "../../core/plan-types";
import { TimelockOperationCancelledError } from "../errors";
import type { SignerRoute } from "./authority-chain";
import type { AuthorityHolder } from "./authority-holder";
import {
  executeData,
  findExecution,
  operationId,
  operationSalt,
  readOperationState,
  scheduleData,
  TIMELOCK_INTERFACE,
  type TimelockCall,
} from "./timelock-operation";
import {
  sendTransaction,
  type TransactionOutcome,
  type TransactionRequest,
} from "./transaction-effect";

/** A right exercised by proposing to a timelock: part of the plan's input, so a resume takes the same way. */
export interface TimelockRoute {
  kind: "timelock";
  timelock: string;
  minDelay: number;
  proposers: string[];
  executors: string[] | "anyone";
  cancellers: string[];
}

/** The routes of the checklist's rights; a right missing here is exercised by the signer itself. */
export interface AuthorityRoutes {
  upgrade?: TimelockRoute;
  pause?: TimelockRoute;
  unpause?: TimelockRoute;
}

/** The part of a step's (or rollback's) context a routed transaction uses. */
export type AuthorityHost = Pick<StepContext, "effect" | "wait" | "runId" | "stepId">;

/** What a routed transaction leaves: the outcome of the transaction that made the call. */
export interface RoutedOutcome extends TransactionOutcome {
  /** The timelock operation, when the call went through one. */
  timelock?: { address: string; operation: string; scheduledIn: string; readyAt: number };
}

/** The plan-input form of a signer route (undefined: the signer acts itself). */
export function timelockRouteOf(route: SignerRoute): TimelockRoute | undefined {
  if (route.kind !== "timelock") return undefined;
  const addresses = (holders: AuthorityHolder[]) => holders.map((holder) => holder.address);
  const { timelock } = route;
  return {
    kind: "timelock",
    timelock: timelock.address,
    minDelay: timelock.minDelay,
    proposers: addresses(timelock.proposers),
    executors: timelock.executors === "anyone" ? "anyone" : addresses(timelock.executors),
    cancellers: addresses(timelock.cancellers),
  };
}

/** Sends `request` directly, or through the timelock of `route`; see the file's comment. */
export async function sendThroughAuthority(
  host: AuthorityHost,
  key: string,
  signer: Signer,
  request: TransactionRequest,
  route: TimelockRoute | undefined,
): Promise<RoutedOutcome> {
  if (route === undefined) return sendTransaction(host, key, signer, request);
  const provider = signer.provider as NonNullable<Signer["provider"]>;
  const call: TimelockCall = {
    timelock: route.timelock,
    target: request.to as string,
    data: request.data,
    salt: operationSalt(host.runId, host.stepId, key),
    delay: route.minDelay,
  };
  const id = operationId(call);
  const scheduled = await sendTransaction(host, `${key}-schedule`, signer, {
    label: `schedule ${request.label}`,
    to: route.timelock,
    data: scheduleData(call),
  });
  const state = await readOperationState(provider, route.timelock, id);
  const facts = (readyAt: number) => ({
    address: route.timelock,
    operation: id,
    scheduledIn: scheduled.hash,
    readyAt,
  });
  switch (state.state) {
    case "unset":
      // It was scheduled (the effect above has its receipt), so only a cancel empties it.
      throw new TimelockOperationCancelledError(
        request.label,
        route.timelock,
        id,
        call.salt,
        route.cancellers.join(", ") || "none",
        route.proposers.join(", ") || "none",
      );
    case "waiting": {
      const until = new Date(state.readyAt * 1000).toISOString();
      return host.wait({
        reason: `timelock ${route.timelock}: ${request.label} (operation ${id}) is scheduled and may be executed from ${until}`,
        until,
        condition: {
          kind: "timelock",
          timelock: route.timelock,
          operation: id,
          readyAt: state.readyAt,
        },
      });
    }
    case "done": {
      // Executed by someone else (an open executor role, another executor): its event says where.
      const execution = await findExecution(provider, route.timelock, id, scheduled.block);
      if (execution === undefined)
        throw new Error(`timelock operation ${id} is done but no CallExecuted event was found`);
      const receipt = await provider.getTransactionReceipt(execution.hash);
      return { ...execution, gasUsed: receipt?.gasUsed ?? 0n, timelock: facts(0) };
    }
    case "ready": {
      const me = ethers.getAddress(await signer.getAddress());
      if (route.executors !== "anyone" && !route.executors.includes(me)) {
        return host.wait({
          reason: `timelock ${route.timelock}: ${request.label} (operation ${id}) is ready, awaiting execution by ${route.executors.join(", ")}`,
          condition: {
            kind: "timelock",
            timelock: route.timelock,
            operation: id,
            readyAt: state.readyAt,
          },
        });
      }
      const executed = await sendTransaction(host, `${key}-execute`, signer, {
        label: `execute ${request.label}`,
        to: route.timelock,
        data: executeData(call),
      });
      return { ...executed, timelock: facts(state.readyAt) };
    }
  }
}

/**
 * For a rollback: whether the forward call of `key` was made, directly or through the timelock
 * (by this run's execute, or by another executor). A call this run scheduled that has not run
 * yet is cancelled first (the signer proposed it, and OpenZeppelin makes proposers
 * cancellers), so it can never land after the rollback.
 */
export async function forwardCallMade(
  host: AuthorityHost,
  key: string,
  signer: Signer,
  request: TransactionRequest,
  route: TimelockRoute | undefined,
  forwardEffects: readonly EffectState[],
): Promise<boolean> {
  const applied = (name: string) =>
    forwardEffects.some((effect) => effect.key === name && effect.status === "applied");
  if (applied(key) || applied(`${key}-execute`)) return true;
  if (route === undefined || !applied(`${key}-schedule`)) return false;
  const provider = signer.provider as NonNullable<Signer["provider"]>;
  const call: TimelockCall = {
    timelock: route.timelock,
    target: request.to as string,
    data: request.data,
    salt: operationSalt(host.runId, host.stepId, key),
    delay: route.minDelay,
  };
  const id = operationId(call);
  const state = await readOperationState(provider, route.timelock, id);
  if (state.state === "done") return true;
  if (state.state === "waiting" || state.state === "ready") {
    await sendTransaction(host, `${key}-cancel`, signer, {
      label: `cancel ${request.label}`,
      to: route.timelock,
      data: TIMELOCK_INTERFACE.encodeFunctionData("cancel", [id]),
    });
  }
  return false;
}
