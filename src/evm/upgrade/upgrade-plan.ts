/**
 * The upgrade checklist as a plan of checkpointed steps: preflight, pause, snapshot, record the
 * invariants, deploy the implementation, upgrade and reinitialize in one transaction, verify
 * storage, run the invariants again, unpause, monitor. Every transaction is a journaled effect
 * with its nonce fixed before sending, so a crash anywhere is finished by a resume that sends
 * nothing twice; every step that changes the chain says how it is undone.
 */
import type { Plan, Step } from "../../core/plan-types";
import { reconcileTransaction } from "../chain/transaction-reconcile";
import { isSafeProposal } from "../chain/authority-transaction";
import { readDeploymentRecord } from "../chain/deployment-record";
import type { UpgradePlanDeps, UpgradePlanInput } from "./plan-input";
import { observeUpgradeTarget, revalidateUpgradeTarget } from "./upgrade-target-check";
import type { PlanEnv } from "./steps/plan-env";
import { preflightStep } from "./steps/preflight";
import { pauseStep } from "./steps/pause";
import { snapshotStep } from "./steps/snapshot";
import { recordInvariantsStep } from "./steps/record-invariants";
import { deployImplementationStep } from "./steps/deploy-implementation";
import { upgradeStep } from "./steps/upgrade";
import { invariantsStep } from "./steps/invariants";
import { verifyStorageStep } from "./steps/verify-storage";
import { unpauseStep } from "./steps/unpause";
import { monitorStep } from "./steps/monitor";

/** Builds the checklist plan from its input and runtime dependencies (one file per step). */
export function buildUpgradePlan(input: UpgradePlanInput, deps: UpgradePlanDeps): Plan {
  const env: PlanEnv = {
    input,
    deps,
    readRecord: () => readDeploymentRecord(deps.recordPath, input.network),
  };
  const targetDeps = { provider: deps.provider, preset: deps.preset, recordPath: deps.recordPath };
  const preflight = preflightStep(env);
  const pause = pauseStep(env);
  const snapshot = snapshotStep(env);
  const recordInvariants = recordInvariantsStep(env, { snapshot });
  const deployImplementation = deployImplementationStep(env);
  const upgrade = upgradeStep(env, { preflight, deployImplementation });
  const invariants = invariantsStep(env, { recordInvariants });
  const verifyStorage = verifyStorageStep(env);
  const unpause = unpauseStep(env, { pause });
  const monitor = monitorStep(env, { upgrade });

  // A protocol upgraded live has no pause to take or lift (its notices say so).
  const live = input.pauses === false;
  const steps: Step<unknown>[] = [
    preflight,
    ...(live ? [] : [pause]),
    snapshot,
    recordInvariants,
    deployImplementation,
    upgrade,
    // The invariants come before the value-by-value storage diff: a reinitializer that corrupts
    // state is then named by the economic damage it does (LU-3: the share price moved), and the
    // diff still catches what no invariant covers.
    invariants,
    verifyStorage,
    ...(live ? [] : [unpause]),
    monitor,
  ] as Step<unknown>[];
  return {
    id: input.planId,
    title: `${input.recordName} ${input.from.contract} -> ${input.to.contract}`,
    hashInput: input,
    steps,
    // A Safe proposal only fixes a nonce and a hash: cut short before its outcome, nothing happened.
    reconcile: (effect) =>
      isSafeProposal(effect.intent)
        ? { status: "not-applied" }
        : reconcileTransaction(deps.provider, effect),
    // Until the upgrade is sent, an interrupted run undoes its pause and leaves the protocol
    // as it found it; from the upgrade on, a person decides (resume or roll back).
    rollbackOnStopBefore: "upgrade",
    revalidate: (state) => revalidateUpgradeTarget(state, input, targetDeps),
    observeTarget: async () => observeUpgradeTarget(input, targetDeps),
  };
}
