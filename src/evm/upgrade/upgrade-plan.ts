/**
 * The upgrade checklist as a plan of checkpointed steps: preflight, pause, snapshot, record the
 * invariants, deploy the implementation, upgrade and reinitialize in one transaction, verify
 * storage, run the invariants again, unpause, monitor. Every transaction is a journaled effect
 * with its nonce fixed before sending, so a crash anywhere is finished by a resume that sends
 * nothing twice; every step that changes the chain says how it is undone.
 */
import { ethers, type Provider, type Signer } from "ethers";
import { stringifyJournalValue, parseJournalValue } from "../../core/json-codec";
import type { Plan, Step, VerifyResult } from "../../core/plan-types";
import { defineStep } from "../../core/plan-types";
import { readProxyInfo } from "../chain/eip1967";
import { readInitializableState } from "../chain/initializable";
import { reconcileTransaction } from "../chain/transaction-reconcile";
import { sendTransaction, type TransactionOutcome } from "../chain/transaction-effect";
import type { InvariantResult, UpgradePreset } from "./upgrade-preset";
import { readUpgradeAuthority, signerCanUpgrade, UUPS_INTERFACE } from "../chain/upgrade-authority";
import type { StorageSnapshotter } from "../storage/storage-snapshotter";
import { recordFollowsChain } from "./record-updates";
import { ForeignUpgradeError } from "../errors";
import { observeUpgradeTarget, revalidateUpgradeTarget } from "./upgrade-target-check";
import { readDeploymentRecord, type DeploymentRecord } from "../chain/deployment-record";
import type { ContractLayout } from "../storage/contract-layout";

const proxyAdminInterface = new ethers.Interface([
  "function upgradeAndCall(address proxy, address implementation, bytes data) payable",
]);

/** The transaction that points the proxy at `implementation` and makes `call` in the same breath. */
function upgradeTransaction(input: UpgradePlanInput, implementation: string, call: string) {
  if (input.proxyKind === "uups") {
    return {
      label: "upgradeToAndCall",
      to: input.proxy,
      data: UUPS_INTERFACE.encodeFunctionData("upgradeToAndCall", [implementation, call]),
    };
  }
  return {
    label: "upgradeAndCall",
    to: input.proxyAdmin,
    data: proxyAdminInterface.encodeFunctionData("upgradeAndCall", [
      input.proxy,
      implementation,
      call,
    ]),
  };
}
/** What the run keeps from before the upgrade, read by later steps and by the rehearsal. */
export const STORAGE_BEFORE = { step: "snapshot", name: "storage-before.json" } as const;
export const STATE_BEFORE = { step: "record-invariants", name: "state-before.json" } as const;

const PROXY_EVENTS_ABI = [
  "event Upgraded(address indexed implementation)",
  "event AdminChanged(address previousAdmin, address newAdmin)",
];
const proxyEventsInterface = new ethers.Interface(PROXY_EVENTS_ABI);

/**
 * Everything that decides what the upgrade does. It is the plan's hash input and is saved beside
 * the journal, so that a resume rebuilds exactly the plan that started the run.
 */
export interface UpgradePlanInput {
  planId: string;
  network: string;
  chainId: number;
  recordName: string;
  proxy: string;
  proxyKind: "transparent" | "uups";
  /** The ProxyAdmin of a transparent proxy; the zero address for UUPS. */
  proxyAdmin: string;
  /** The ProxyAdmin's owner when the plan was made: the account that signs. */
  authority: string;
  from: { contract: string; implementation: string; bytecodeHash: string };
  to: { contract: string; creationBytecodeHash: string };
  /** The reinitializer call made atomically with the upgrade, or null for a plain upgrade. */
  call: { fn: string; args: unknown[]; data: string } | null;
  /** `_initialized` the proxy must report after the upgrade (null: not checked). */
  expectedInitializedVersion: number | null;
  /** Storage variables the upgrade may change, besides the EIP-1967 implementation slot. */
  expectedStorageChanges: string[];
  monitorBlocks: number;
}

/** What the plan's steps need at run time. */
export interface UpgradePlanDeps {
  provider: Provider;
  signer: Signer;
  preset: UpgradePreset<unknown>;
  snapshotter: StorageSnapshotter;
  /** Creation bytecode of the new implementation (its hash is in the plan input). */
  toCreationBytecode: string;
  /** The new implementation's layout, written to the record after the upgrade. */
  toLayout: ContractLayout;
  recordPath: string;
  /** How the rehearsal requirement was met; shown among the preflight's figures. */
  rehearsal?: string;
  /**
   * The run of this toolkit whose pause is still in effect on the proxy, if any (an abandoned
   * run's): a pause found at the start is then this toolkit's to lift, not an operator's.
   */
  toolkitPauseHolder?(): string | undefined;
}

/** Who paused the protocol the run found paused, or whether the run paused it itself. */
export type PauseOwner = "this-run" | "toolkit" | "operator";

/** What the pause step leaves for later steps and for rollbacks. */
export interface PauseOutput {
  alreadyPaused: boolean;
  pausedBy: PauseOwner;
  /** The run of this toolkit that left the pause this run adopted. */
  adoptedFrom?: string;
  tx?: TransactionOutcome;
}

function failing(results: InvariantResult[]): InvariantResult[] {
  return results.filter((result) => !result.holds);
}

/** One line for a passing set of invariants. */
function holdingMessage(results: InvariantResult[]): string {
  return `${results.length} invariants hold (${[...new Set(results.map((result) => result.id))].join(", ")})`;
}

/** Figures of invariant results, one entry each, for a verify's table. */
function invariantFigures(results: InvariantResult[]): Record<string, unknown> {
  const figures: Record<string, unknown> = {};
  for (const result of results) {
    figures[result.id] = result.holds ? "holds" : `FAILS: ${result.violation}`;
    for (const [name, value] of Object.entries(result.figures))
      figures[`${result.id} ${name}`] = value;
  }
  return figures;
}

/** Figures of invariants after a change, each paired with the same figure before it. */
function pairedInvariantFigures(before: InvariantResult[], after: InvariantResult[]) {
  const earlier = invariantFigures(before);
  const later = invariantFigures(after);
  return Object.fromEntries(
    Object.entries(later).map(([name, value]) =>
      name in earlier ? [name, { before: earlier[name], after: value }] : [name, value],
    ),
  );
}

function stopUnless(
  ok: boolean,
  figures: Record<string, unknown>,
  stopMessage: string,
  goMessage?: string,
): VerifyResult {
  if (!ok) return { verdict: "stop", figures, message: stopMessage };
  return goMessage === undefined
    ? { verdict: "go", figures }
    : { verdict: "go", figures, message: goMessage };
}

/** Builds the checklist plan from its input and runtime dependencies. */
export function buildUpgradePlan(input: UpgradePlanInput, deps: UpgradePlanDeps): Plan {
  const { provider, signer, preset, snapshotter } = deps;
  const readRecord = (): DeploymentRecord => readDeploymentRecord(deps.recordPath, input.network);
  const targetDeps = { provider, preset, recordPath: deps.recordPath };

  const preflight = defineStep({
    id: "preflight",
    title: "authority, implementation and invariants before anything is sent",
    phase: "assess",
    changesTarget: false,
    async run() {
      const block = await provider.getBlockNumber();
      const info = await readProxyInfo(provider, input.proxy, block);
      const authority = await readUpgradeAuthority(provider, info, block);
      const signerAddress = ethers.getAddress(await signer.getAddress());
      const right = await signerCanUpgrade(provider, info, authority, signerAddress, block);
      const invariants = preset.checkState(await preset.readState(provider, readRecord(), block));
      const { initializedVersion } = await readInitializableState(provider, input.proxy, block);
      return {
        initializedVersion: Number(initializedVersion),
        block,
        implementation: info.implementation,
        signer: signerAddress,
        canUpgrade: right.allowed,
        authority: right.reason,
        invariants,
      };
    },
    verify({ result }) {
      const broken = failing(result.invariants);
      const figures = {
        implementation: result.implementation,
        signer: result.signer,
        authority: result.authority,
        invariantsHolding: `${result.invariants.length - broken.length}/${result.invariants.length}`,
        initializedVersion: result.initializedVersion,
        ...(deps.rehearsal === undefined ? {} : { rehearsal: deps.rehearsal }),
      };
      const expected = input.expectedInitializedVersion;
      if (expected !== null && result.initializedVersion >= expected) {
        return {
          verdict: "stop",
          figures,
          message: `the proxy is already initialized to version ${result.initializedVersion}; the reinitializer would revert`,
        };
      }
      if (result.implementation !== input.from.implementation) {
        return {
          verdict: "stop",
          figures,
          message: `the proxy points at ${result.implementation}, not ${input.from.implementation}`,
        };
      }
      if (!result.canUpgrade) {
        return {
          verdict: "stop",
          figures,
          message: `signer ${result.signer} cannot upgrade: ${result.authority}`,
        };
      }
      return stopUnless(
        broken.length === 0,
        figures,
        `already failing: ${broken.map((r) => r.violation).join("; ")}`,
        `signer ${result.authority}; ${input.from.contract} at ${result.implementation}; ${holdingMessage(result.invariants)}${deps.rehearsal === undefined ? "" : `; rehearsal ${deps.rehearsal}`}`,
      );
    },
  });

  const pause = defineStep({
    id: "pause",
    title: "pause the protocol",
    phase: "prepare",
    changesTarget: true,
    undo: "reversible",
    describe: () => `send ${preset.name} pause() to ${input.proxy}`,
    describeRollback: () =>
      `send unpause() if this run paused the protocol (or took over a pause this toolkit left)`,
    async run(ctx): Promise<PauseOutput> {
      // Whose pause it is decides what unpause does at the end: an operator's pause stays, a
      // pause this toolkit left behind (an abandoned run's) is lifted like this run's own.
      if (ctx.attempt === 1 && (await preset.isPaused(provider, input.proxy))) {
        const holder = deps.toolkitPauseHolder?.();
        return holder === undefined
          ? { alreadyPaused: true, pausedBy: "operator" }
          : { alreadyPaused: true, pausedBy: "toolkit", adoptedFrom: holder };
      }
      const tx = await sendTransaction(ctx, "pause-tx", signer, {
        label: "pause()",
        to: input.proxy,
        data: preset.pauseData,
      });
      return { alreadyPaused: false, pausedBy: "this-run", tx };
    },
    async verify({ result }) {
      const paused = await preset.isPaused(provider, input.proxy);
      const figures = {
        paused,
        pausedBy: result.adoptedFrom === undefined ? result.pausedBy : `run ${result.adoptedFrom}`,
        tx: result.tx?.hash ?? "none (already paused)",
        block: result.tx?.block ?? "-",
      };
      if (!paused) return { verdict: "stop", figures, message: "the protocol is not paused" };
      if (result.pausedBy === "operator") {
        return {
          verdict: "warn",
          figures,
          message:
            "ALREADY PAUSED by someone other than this toolkit: it stays paused after the upgrade (lifting it is theirs to do)",
        };
      }
      if (result.pausedBy === "toolkit") {
        return {
          verdict: "go",
          figures,
          message: `already paused by run ${result.adoptedFrom} of this toolkit (abandoned): this run takes the pause over and lifts it at the end`,
        };
      }
      return { verdict: "go", figures };
    },
    async rollback(ctx) {
      const output = ctx.result;
      const ours =
        ctx.forwardEffects.some(
          (effect) => effect.key === "pause-tx" && effect.status === "applied",
        ) || output?.pausedBy === "toolkit";
      if (!ours || !(await preset.isPaused(provider, input.proxy))) return { unpaused: false };
      await sendTransaction(ctx, "unpause-tx", signer, {
        label: "unpause()",
        to: input.proxy,
        data: preset.unpauseData,
      });
      return { unpaused: true };
    },
  });

  const snapshot = defineStep({
    id: "snapshot",
    title: "snapshot storage at a pinned block",
    phase: "prepare",
    changesTarget: false,
    async run(ctx) {
      const block = await provider.getBlockNumber();
      const taken = await snapshotter.take(block, "before");
      await ctx.writeArtifact(STORAGE_BEFORE.name, taken.json);
      return { block, slots: taken.slots, variables: taken.variables };
    },
    verify: ({ result }) => ({
      verdict: "go",
      figures: { block: result.block, slots: result.slots, variables: result.variables },
    }),
  });

  const recordInvariants = defineStep({
    id: "record-invariants",
    title: "record the invariants' figures",
    phase: "prepare",
    changesTarget: false,
    async run(ctx) {
      const block = ctx.output(snapshot).block;
      const state = await preset.readState(provider, readRecord(), block);
      await ctx.writeArtifact(STATE_BEFORE.name, stringifyJournalValue(state));
      return { block, results: preset.checkState(state) };
    },
    verify({ result }) {
      const broken = failing(result.results);
      return stopUnless(
        broken.length === 0,
        invariantFigures(result.results),
        broken.map((r) => `${r.id} ${r.violation}`).join("; "),
        holdingMessage(result.results),
      );
    },
  });

  const deployImplementation = defineStep({
    id: "deploy-implementation",
    title: `deploy ${input.to.contract} (or reuse an identical one)`,
    phase: "prepare",
    changesTarget: true,
    undo: {
      irreversible:
        "a deployed implementation stays on chain; after a rollback nothing points at it",
    },
    describe: () =>
      `deploy ${input.to.contract} (creation code ${input.to.creationBytecodeHash.slice(0, 10)}…) unless the record lists an identical one`,
    async run(ctx) {
      if (ethers.keccak256(deps.toCreationBytecode) !== input.to.creationBytecodeHash) {
        throw new Error(
          `the build's ${input.to.contract} no longer matches the plan's creation code`,
        );
      }
      const known = readRecord().implementations.find(
        (entry) => entry.creationBytecodeHash === input.to.creationBytecodeHash,
      );
      if (
        known &&
        ethers.keccak256(await provider.getCode(known.address)) === known.runtimeCodeHash
      ) {
        return { address: known.address, reused: true, runtimeCodeHash: known.runtimeCodeHash };
      }
      const tx = await sendTransaction(ctx, "create-tx", signer, {
        label: `create ${input.to.contract}`,
        data: deps.toCreationBytecode,
      });
      const address = ethers.getAddress(tx.contractAddress as string);
      return {
        address,
        reused: false,
        runtimeCodeHash: ethers.keccak256(await provider.getCode(address)),
        tx,
      };
    },
    async verify({ result }) {
      const code = await provider.getCode(result.address);
      return stopUnless(
        code !== "0x" && ethers.keccak256(code) === result.runtimeCodeHash,
        { address: result.address, reused: result.reused, runtimeCodeHash: result.runtimeCodeHash },
        `no code at ${result.address}`,
      );
    },
  });

  const upgrade = defineStep({
    id: "upgrade",
    title: input.call
      ? `upgradeAndCall ${input.call.fn}(${input.call.args.join(", ")})`
      : "upgrade",
    phase: "execute",
    changesTarget: true,
    undo: input.call
      ? {
          partial: `upgrades back to ${input.from.implementation}; the writes of ${input.call.fn} stay in storage`,
        }
      : "reversible",
    describe: () => {
      const call = input.call ? `${input.call.fn}(${input.call.args.join(", ")})` : "0x";
      return input.proxyKind === "uups"
        ? `${input.proxy}.upgradeToAndCall(<new ${input.to.contract}>, ${call})`
        : `ProxyAdmin ${input.proxyAdmin}.upgradeAndCall(${input.proxy}, <new ${input.to.contract}>, ${call})`;
    },
    async run(ctx) {
      const deployed = ctx.output(deployImplementation);
      // The version before is the one the preflight read at its pinned block: a resumed step
      // would read it after its own transaction landed.
      const initializedBefore = ctx.output(preflight).initializedVersion;
      const tx = await sendTransaction(
        ctx,
        "upgrade-tx",
        signer,
        upgradeTransaction(input, deployed.address, input.call?.data ?? "0x"),
      );
      const { implementation: now } = await readProxyInfo(provider, input.proxy);
      recordFollowsChain(deps.recordPath, input.network, now, {
        contract: input.to.contract,
        implementation: deployed.address,
        creationBytecodeHash: input.to.creationBytecodeHash,
        runtimeCodeHash: deployed.runtimeCodeHash,
        block: tx.block,
        runId: ctx.runId,
        layout: deps.toLayout,
      });
      return { implementation: deployed.address, tx, initializedBefore };
    },
    async verify({ result }) {
      const info = await readProxyInfo(provider, input.proxy);
      const { initializedVersion } = await readInitializableState(provider, input.proxy);
      const figures = {
        implementation: { before: input.from.implementation, after: info.implementation },
        initializedVersion: { before: result.initializedBefore, after: Number(initializedVersion) },
        tx: result.tx.hash,
        block: result.tx.block,
      };
      if (info.implementation !== result.implementation) {
        return {
          verdict: "stop",
          figures,
          message: `the implementation slot holds ${info.implementation}`,
        };
      }
      const expected = input.expectedInitializedVersion;
      return stopUnless(
        expected === null || Number(initializedVersion) === expected,
        figures,
        `_initialized is ${initializedVersion}, expected ${expected}: the reinitializer did not run as a reinitializer`,
      );
    },
    describeRollback: () =>
      `upgrade back to ${input.from.implementation} if the proxy still points at the implementation this run installed`,
    async rollback(ctx) {
      const upgraded = ctx.forwardEffects.some(
        (effect) => effect.key === "upgrade-tx" && effect.status === "applied",
      );
      const installed = ctx.hasOutput(deployImplementation)
        ? ctx.output(deployImplementation).address
        : undefined;
      const info = await readProxyInfo(provider, input.proxy);
      // Only this run's own upgrade is undone: a proxy on anything else was moved by someone
      // else (another run, a person), and downgrading it would destroy their work.
      if (info.implementation !== input.from.implementation) {
        if (!upgraded || info.implementation !== installed) {
          throw new ForeignUpgradeError(info.implementation, upgraded ? installed : undefined);
        }
        const back = upgradeTransaction(input, input.from.implementation, "0x");
        await sendTransaction(ctx, "downgrade-tx", signer, {
          ...back,
          label: `${back.label} (back)`,
        });
      }
      const { implementation: now } = await readProxyInfo(provider, input.proxy);
      recordFollowsChain(deps.recordPath, input.network, now);
      return { implementation: now, downgraded: now !== info.implementation };
    },
  });

  const verifyStorage = defineStep({
    id: "verify-storage",
    title: "diff storage against the snapshot",
    phase: "validate",
    changesTarget: false,
    async run(ctx) {
      const block = await provider.getBlockNumber();
      const taken = await snapshotter.take(block, "after");
      await ctx.writeArtifact("storage-after.json", taken.json);
      const before = ctx.readArtifact(STORAGE_BEFORE.name, STORAGE_BEFORE.step).toString("utf8");
      const diff = snapshotter.diff(before, taken.json, input.expectedStorageChanges);
      await ctx.writeArtifact("storage-diff.json", stringifyJournalValue(diff));
      return { block, slots: taken.slots, expected: diff.expected, unexpected: diff.unexpected };
    },
    verify({ result }) {
      const figures: Record<string, unknown> = {
        block: result.block,
        slots: result.slots,
        unexpectedChanges: result.unexpected.length,
      };
      for (const change of result.expected)
        figures[change.variable] = { before: change.before, after: change.after };
      for (const change of result.unexpected.slice(0, 20)) {
        figures[`UNEXPECTED ${change.variable}`] = { before: change.before, after: change.after };
      }
      return stopUnless(
        result.unexpected.length === 0,
        figures,
        `${result.unexpected.length} stored value(s) changed unexpectedly: ${result.unexpected
          .slice(0, 3)
          .map((c) => `${c.variable} (slot ${c.slot})`)
          .join(", ")}`,
      );
    },
  });

  const invariants = defineStep({
    id: "invariants",
    title: "L-unit and collateral-floor invariants, before and after",
    phase: "validate",
    changesTarget: false,
    async run(ctx) {
      const block = await provider.getBlockNumber();
      const before = parseJournalValue(
        ctx.readArtifact(STATE_BEFORE.name, STATE_BEFORE.step).toString("utf8"),
      );
      const after = await preset.readState(provider, readRecord(), block);
      await ctx.writeArtifact("state-after.json", stringifyJournalValue(after));
      const beforeResults = ctx.output(recordInvariants).results;
      return { block, results: preset.compareStates(before, after), beforeResults };
    },
    verify({ result }) {
      const broken = failing(result.results);
      const figures = pairedInvariantFigures(result.beforeResults, result.results);
      return stopUnless(
        broken.length === 0,
        figures,
        broken.map((r) => `${r.id} ${r.violation}`).join("; "),
        `${holdingMessage(result.results)}, before and after`,
      );
    },
  });

  const unpause = defineStep({
    id: "unpause",
    title: "unpause the protocol",
    phase: "stabilize",
    changesTarget: true,
    undo: "reversible",
    describe: () =>
      `send ${preset.name} unpause() to ${input.proxy} (unless someone else paused it before the run)`,
    describeRollback: () =>
      "send pause() again if this run unpaused, so the upgrade is undone on a quiet protocol",
    async run(ctx): Promise<{ keptPaused: boolean; tx?: TransactionOutcome }> {
      // Only an operator's pause outlives the run; this toolkit never leaves its own behind.
      if (ctx.output(pause).pausedBy === "operator") return { keptPaused: true };
      const tx = await sendTransaction(ctx, "unpause-tx", signer, {
        label: "unpause()",
        to: input.proxy,
        data: preset.unpauseData,
      });
      return { keptPaused: false, tx };
    },
    async verify({ result }) {
      const paused = await preset.isPaused(provider, input.proxy);
      const figures = { paused, tx: result.tx?.hash ?? "none (kept paused)" };
      if (paused !== result.keptPaused) {
        return { verdict: "stop", figures, message: "the protocol is still paused" };
      }
      return result.keptPaused
        ? {
            verdict: "warn",
            figures,
            message:
              "LEFT PAUSED: someone other than this toolkit paused it before the run; unpausing is theirs to do",
          }
        : { verdict: "go", figures };
    },
    async rollback(ctx) {
      const applied = ctx.forwardEffects.some(
        (effect) => effect.key === "unpause-tx" && effect.status === "applied",
      );
      if (!applied || (await preset.isPaused(provider, input.proxy))) return { paused: false };
      // Pause again so that the upgrade's own rollback happens on a quiet protocol.
      await sendTransaction(ctx, "repause-tx", signer, {
        label: "pause()",
        to: input.proxy,
        data: preset.pauseData,
      });
      return { paused: true };
    },
  });

  const monitor = defineStep({
    id: "monitor",
    title: `monitor ${input.monitorBlocks} block(s): admin events and invariant drift`,
    phase: "stabilize",
    changesTarget: false,
    async run(ctx) {
      if (!ctx.hasOutput(upgrade)) {
        return {
          fromBlock: 0,
          toBlock: 0,
          adminEvents: [],
          results: [],
          skipped: "no upgrade was sent (dry run)",
        };
      }
      const upgradeBlock = ctx.output(upgrade).tx.block;
      const untilBlock = upgradeBlock + input.monitorBlocks;
      const latest = await provider.getBlockNumber();
      if (latest < untilBlock) {
        ctx.wait({
          reason: `${untilBlock - latest} more block(s) to watch (until block ${untilBlock})`,
          condition: { kind: "blocks", untilBlock },
        });
      }
      const logs = await provider.getLogs({
        address: input.proxy,
        fromBlock: upgradeBlock + 1,
        toBlock: latest,
      });
      const adminEvents = logs
        .map((log) => ({ log, parsed: proxyEventsInterface.parseLog(log) }))
        .filter(({ parsed }) => parsed !== null)
        .map(({ log, parsed }) => ({
          event: parsed!.name,
          block: log.blockNumber,
          tx: log.transactionHash,
        }));
      const results = preset.checkState(await preset.readState(provider, readRecord(), latest));
      return { fromBlock: upgradeBlock + 1, toBlock: latest, adminEvents, results };
    },
    verify({ result }) {
      if ("skipped" in result) return { verdict: "go", figures: {}, message: result.skipped };
      const broken = failing(result.results);
      const figures = {
        blocks: `${result.fromBlock}..${result.toBlock}`,
        adminEvents: result.adminEvents.length,
        ...invariantFigures(result.results),
      };
      if (result.adminEvents.length > 0) {
        return {
          verdict: "stop",
          figures,
          message: `unexpected ${result.adminEvents.map((e) => `${e.event} in block ${e.block}`).join(", ")}`,
        };
      }
      return stopUnless(
        broken.length === 0,
        figures,
        `invariants drifted: ${broken.map((r) => `${r.id} ${r.violation}`).join("; ")}`,
        `blocks ${result.fromBlock}..${result.toBlock}: no admin events; ${holdingMessage(result.results)}`,
      );
    },
  });

  const steps: Step<unknown>[] = [
    preflight,
    pause,
    snapshot,
    recordInvariants,
    deployImplementation,
    upgrade,
    // The invariants come before the value-by-value storage diff: a reinitializer that corrupts
    // state is then named by the economic damage it does (LU-3: the share price moved), and the
    // diff still catches what no invariant covers.
    invariants,
    verifyStorage,
    unpause,
    monitor,
  ] as Step<unknown>[];
  return {
    id: input.planId,
    title: `${input.recordName} ${input.from.contract} -> ${input.to.contract}`,
    hashInput: input,
    steps,
    reconcile: (effect) => reconcileTransaction(provider, effect),
    // Until the upgrade is sent, an interrupted run undoes its pause and leaves the protocol
    // as it found it; from the upgrade on, a person decides (resume or roll back).
    rollbackOnStopBefore: "upgrade",
    revalidate: (state) => revalidateUpgradeTarget(state, input, targetDeps),
    observeTarget: async () => observeUpgradeTarget(input, targetDeps),
  };
}
