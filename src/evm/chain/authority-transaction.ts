/**
 * A checklist transaction sent through the authority that holds its right. Without a route the
 * signer sends it itself. Through a TimelockController it is three checkpointed moves, each a
 * journaled effect or a wait: schedule (the signer is a proposer), wait for the delay (the run
 * ends `waiting`, or `--wait` drives it on), execute (the signer, if an executor, else whoever
 * is). On every re-entry the operation's state is read from the timelock itself, so a resume
 * knows whether it is pending, ready, done by someone else, or cancelled.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers, type Signer } from "ethers";
import type { EffectState } from "../../core/effect-types";
import type { StepContext } from "../../core/plan-types";
import {
  SafeThresholdUnmetError,
  SafeTransactionNotExecutedError,
  SafeVersionUnsupportedError,
  TimelockOperationCancelledError,
} from "../errors";
import { KNOWN_SAFE_VERSIONS } from "./authority-holder";
import {
  execTransactionData,
  onChainSafeTxHash,
  packSignatures,
  readSafeTxState,
  safeDomain,
  safeNonce,
  safeTxHash,
  safeTxMessage,
  SAFE_TX_TYPES,
  transactionBuilderJson,
  type SafeTx,
} from "./safe-transaction";
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
  /**
   * A Safe behind the timelock: the signer owns this Safe, which is the proposer. Scheduling
   * (and cancelling, and executing when the Safe is the executor) are then Safe transactions.
   */
  proposerSafe?: SafeRoute;
}

/** A right exercised by a Safe the signer owns: the owners sign, the Safe executes. */
export interface SafeRoute {
  kind: "safe";
  safe: string;
  version: string;
  owners: string[];
  threshold: number;
}

/** A way of exercising a right that is not the signer's own transaction. */
export type AuthorityRoute = TimelockRoute | SafeRoute;

/** The routes of the checklist's rights; a right missing here is exercised by the signer itself. */
export interface AuthorityRoutes {
  upgrade?: AuthorityRoute;
  pause?: AuthorityRoute;
  unpause?: AuthorityRoute;
}

/** The part of a step's (or rollback's) context a routed transaction uses. */
export type AuthorityHost = Pick<StepContext, "effect" | "wait" | "runId" | "stepId" | "runDir">;

/**
 * Signing on a test network: the network's own accounts that own the Safe sign its
 * transactions, and the run executes them. Never part of the plan: a run on a live network
 * leaves the signing to the owners.
 */
export interface LocalSafeSigning {
  /**
   * `owner`'s 65-byte signature of the Safe transaction, or undefined when this network has no
   * account for it: an EIP-712 signature from a local key, or on a rehearsal's fork, where
   * impersonated owners cannot sign, an approval (approveHash) and its pre-validated signature.
   */
  signatureOf(owner: string, proposal: SafeProposal): Promise<string | undefined>;
}

/** Local signing by the accounts a network has keys for (EIP-712 typed-data signatures). */
export function signingByAccounts(
  signerFor: (owner: string) => Promise<Signer | undefined>,
): LocalSafeSigning {
  return {
    async signatureOf(owner, proposal) {
      const account = await signerFor(owner);
      if (account === undefined) return undefined;
      return account.signTypedData(safeDomain(proposal), SAFE_TX_TYPES, safeTxMessage(proposal));
    },
  };
}

/**
 * Local signing on a fork: each owner, impersonated, approves the hash on the Safe itself, and
 * its signature is the Safe's "pre-validated" form (r = owner, s = 0, v = 1).
 */
export function signingByApproval(
  impersonate: (owner: string) => Promise<Signer>,
): LocalSafeSigning {
  return {
    async signatureOf(owner, proposal) {
      const account = await impersonate(owner);
      const approval = await account.sendTransaction({
        to: proposal.safe,
        data: SAFE_APPROVE_INTERFACE.encodeFunctionData("approveHash", [proposal.safeTxHash]),
      });
      await approval.wait();
      return ethers.concat([ethers.zeroPadValue(owner, 32), ethers.ZeroHash, "0x01"]);
    },
  };
}

const SAFE_APPROVE_INTERFACE = new ethers.Interface([
  "function approveHash(bytes32 hashToApprove)",
]);

/** What is journaled when the run fixes a Safe transaction (nonce and hash) before any signature. */
export interface SafeProposal {
  kind: "safe-proposal";
  label: string;
  safe: string;
  chainId: number;
  to: string;
  data: string;
  nonce: number;
  safeTxHash: string;
  /** The block before the proposal: execution events are looked for from here. */
  fromBlock: number;
  /** The Safe Transaction Builder file, relative to the run folder. */
  builderFile: string;
}

/** Whether a journaled intent is a Safe proposal (nothing on chain: a crash before its outcome means nothing happened). */
export function isSafeProposal(intent: unknown): intent is SafeProposal {
  return (intent as { kind?: unknown } | undefined)?.kind === "safe-proposal";
}

/** What a routed transaction leaves: the outcome of the transaction that made the call. */
export interface RoutedOutcome extends TransactionOutcome {
  /** The timelock operation, when the call went through one. */
  timelock?: { address: string; operation: string; scheduledIn: string; readyAt: number };
  /** The Safe transaction, when the call went through a Safe. */
  safe?: { address: string; safeTxHash: string; nonce: number };
}

/** The plan-input form of a signer route (undefined: the signer acts itself). */
export function authorityRouteOf(route: SignerRoute): AuthorityRoute | undefined {
  if (route.kind === "safe") {
    const { safe } = route;
    return {
      kind: "safe",
      safe: safe.address,
      version: safe.version,
      owners: safe.owners,
      threshold: safe.threshold,
    };
  }
  if (route.kind !== "timelock") return undefined;
  const addresses = (holders: AuthorityHolder[]) => holders.map((holder) => holder.address);
  const { timelock } = route;
  const timelockRoute: TimelockRoute = {
    kind: "timelock",
    timelock: timelock.address,
    minDelay: timelock.minDelay,
    proposers: addresses(timelock.proposers),
    executors: timelock.executors === "anyone" ? "anyone" : addresses(timelock.executors),
    cancellers: addresses(timelock.cancellers),
  };
  if (route.proposer.kind === "safe") {
    timelockRoute.proposerSafe = authorityRouteOf({
      kind: "safe",
      safe: route.proposer.safe,
    }) as SafeRoute;
  }
  return timelockRoute;
}

/** Sends `request` directly, or through the timelock of `route`; see the file's comment. */
export async function sendThroughAuthority(
  host: AuthorityHost,
  key: string,
  signer: Signer,
  request: TransactionRequest,
  route: AuthorityRoute | undefined,
  local?: LocalSafeSigning,
): Promise<RoutedOutcome> {
  if (route === undefined) return sendTransaction(host, key, signer, request);
  if (route.kind === "safe") return sendThroughSafe(host, key, signer, request, route, local);
  const provider = signer.provider as NonNullable<Signer["provider"]>;
  const call: TimelockCall = {
    timelock: route.timelock,
    target: request.to as string,
    data: request.data,
    salt: operationSalt(host.runId, host.stepId, key),
    delay: route.minDelay,
  };
  const id = operationId(call);
  // Proposed by the signer itself, or by its Safe (a Safe transaction the owners sign).
  const scheduled = await sendThroughAuthority(
    host,
    `${key}-schedule`,
    signer,
    { label: `schedule ${request.label}`, to: route.timelock, data: scheduleData(call) },
    route.proposerSafe,
    local,
  );
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
      const executeRequest = {
        label: `execute ${request.label}`,
        to: route.timelock,
        data: executeData(call),
      };
      const safe = route.proposerSafe;
      if (
        route.executors !== "anyone" &&
        !route.executors.includes(me) &&
        safe !== undefined &&
        route.executors.includes(safe.safe)
      ) {
        // Only the Safe may execute: one more Safe transaction.
        const executed = await sendThroughAuthority(
          host,
          `${key}-execute`,
          signer,
          executeRequest,
          safe,
          local,
        );
        return { ...executed, timelock: facts(state.readyAt) };
      }
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
      const executed = await sendTransaction(host, `${key}-execute`, signer, executeRequest);
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
  route: AuthorityRoute | undefined,
  forwardEffects: readonly EffectState[],
  local?: LocalSafeSigning,
): Promise<boolean> {
  const applied = (name: string) =>
    forwardEffects.some((effect) => effect.key === name && effect.status === "applied");
  if (applied(key) || applied(`${key}-execute`) || applied(`${key}-execute-safe-exec`)) return true;
  if (route?.kind === "safe") {
    // A Safe transaction only the owners can make: ask the Safe whether they did. One still
    // unsigned cannot be withdrawn by the run; the rollback's own Safe transaction takes the
    // next nonce, so whichever the owners execute first, the other can no longer run.
    const proposal = forwardEffects.find((effect) => effect.key === `${key}-safe-proposal`);
    if (proposal?.status !== "applied") return false;
    const intent = proposal.intent as SafeProposal;
    const provider = signer.provider as NonNullable<Signer["provider"]>;
    const state = await readSafeTxState(provider, intent, intent.fromBlock);
    return state.state === "executed";
  }
  const proposed = applied(`${key}-schedule`) || applied(`${key}-schedule-safe-proposal`);
  if (route === undefined || !proposed) return false;
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
    // The signer cancels if it is a canceller; else its Safe (the proposer, so a canceller) does.
    const me = ethers.getAddress(await signer.getAddress());
    await sendThroughAuthority(
      host,
      `${key}-cancel`,
      signer,
      {
        label: `cancel ${request.label}`,
        to: route.timelock,
        data: TIMELOCK_INTERFACE.encodeFunctionData("cancel", [id]),
      },
      route.cancellers.includes(me) ? undefined : route.proposerSafe,
      local,
    );
  }
  return false;
}

/**
 * A call made by a Safe: the run fixes the Safe transaction (the Safe's next nonce, its hash
 * checked against the Safe's own) as a journaled proposal and writes a Transaction Builder file
 * beside the journal; then, on every entry, asks the Safe whether that nonce ran that hash. On a
 * test network with local signing, the owners among the network's accounts sign and the run
 * executes it; otherwise the run waits for the owners.
 */
async function sendThroughSafe(
  host: AuthorityHost,
  key: string,
  signer: Signer,
  request: TransactionRequest,
  route: SafeRoute,
  local: LocalSafeSigning | undefined,
): Promise<RoutedOutcome> {
  const provider = signer.provider as NonNullable<Signer["provider"]>;
  if (!(KNOWN_SAFE_VERSIONS as readonly string[]).includes(route.version)) {
    throw new SafeVersionUnsupportedError(
      route.safe,
      route.version,
      KNOWN_SAFE_VERSIONS.join(", "),
    );
  }
  const builderFile = `${key}-safe-transaction.json`;
  const proposal = await host.effect<SafeProposal, SafeProposal>(`${key}-safe-proposal`, {
    intent: async () => {
      const [nonce, network, fromBlock] = await Promise.all([
        safeNonce(provider, route.safe),
        provider.getNetwork(),
        provider.getBlockNumber(),
      ]);
      const tx: SafeTx = {
        safe: route.safe,
        chainId: Number(network.chainId),
        to: ethers.getAddress(request.to as string),
        data: request.data,
        nonce,
      };
      const hash = safeTxHash(tx);
      // The Safe computes the hash its owners sign: a Safe that disagrees is not one we know.
      if ((await onChainSafeTxHash(provider, tx)) !== hash) {
        throw new SafeVersionUnsupportedError(
          route.safe,
          route.version,
          KNOWN_SAFE_VERSIONS.join(", "),
        );
      }
      return {
        kind: "safe-proposal",
        label: request.label,
        ...tx,
        safeTxHash: hash,
        fromBlock,
        builderFile,
      };
    },
    apply: async (io) => {
      const intent = io.intent;
      fs.writeFileSync(
        path.join(host.runDir, builderFile),
        transactionBuilderJson({
          safe: intent.safe,
          chainId: intent.chainId,
          name: `${intent.label} (Safe nonce ${intent.nonce})`,
          description: `Safe transaction hash ${intent.safeTxHash}; run ${host.runId}, ${host.stepId}`,
          calls: [{ to: intent.to, data: intent.data }],
        }),
      );
      return intent;
    },
  });
  let state = await readSafeTxState(provider, proposal, proposal.fromBlock);
  if (state.state === "pending" && state.currentNonce === proposal.nonce && local !== undefined) {
    const signatures: Array<{ owner: string; signature: string }> = [];
    for (const owner of route.owners) {
      if (signatures.length === route.threshold) break;
      const signature = await local.signatureOf(owner, proposal);
      if (signature !== undefined) signatures.push({ owner, signature });
    }
    if (signatures.length < route.threshold) {
      throw new SafeThresholdUnmetError(
        route.safe,
        route.threshold,
        signatures.length,
        route.owners.join(", "),
      );
    }
    await sendTransaction(host, `${key}-safe-exec`, signer, {
      label: `execTransaction ${request.label}`,
      to: route.safe,
      data: execTransactionData(proposal, packSignatures(signatures)),
    });
    state = await readSafeTxState(provider, proposal, proposal.fromBlock);
  }
  const facts = { address: route.safe, safeTxHash: proposal.safeTxHash, nonce: proposal.nonce };
  switch (state.state) {
    case "pending":
      return host.wait({
        reason:
          `Safe ${route.safe}: ${request.label} needs ${route.threshold} of ${route.owners.length} owner signatures ` +
          `(${route.owners.join(", ")}) on Safe transaction ${proposal.safeTxHash} (nonce ${proposal.nonce}), then its execution; ` +
          `Transaction Builder file: ${path.join(host.runDir, builderFile)}`,
        condition: { kind: "safe", ...facts },
      });
    case "executed": {
      const receipt = await provider.getTransactionReceipt(state.hash);
      return { hash: state.hash, block: state.block, gasUsed: receipt?.gasUsed ?? 0n, safe: facts };
    }
    case "failed":
      throw new SafeTransactionNotExecutedError(
        request.label,
        route.safe,
        proposal.safeTxHash,
        proposal.nonce,
        `was executed and failed (tx ${state.hash})`,
      );
    case "replaced":
      throw new SafeTransactionNotExecutedError(
        request.label,
        route.safe,
        proposal.safeTxHash,
        proposal.nonce,
        "will never run: another Safe transaction took its nonce",
      );
  }
}

/**
 * Figures naming the authority that made a call, for the step's checkpoint and the report: the
 * Safe and its transaction hash, or the timelock and its operation id (each one short value, so
 * the report shows them whole).
 */
export function viaFigure(outcome: RoutedOutcome | undefined): {
  safe?: string;
  safeTx?: string;
  timelock?: string;
  operation?: string;
} {
  if (outcome?.safe !== undefined) {
    const { address, safeTxHash, nonce } = outcome.safe;
    return { safe: address, safeTx: `${safeTxHash} (nonce ${nonce})` };
  }
  if (outcome?.timelock !== undefined) {
    return { timelock: outcome.timelock.address, operation: outcome.timelock.operation };
  }
  return {};
}
