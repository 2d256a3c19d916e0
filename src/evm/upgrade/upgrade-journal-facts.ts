/**
 * What an upgrade run's journal says it did to its proxy: which of its transactions landed,
 * which may have, and therefore what the chain must look like now if nobody else acted. A
 * resume, a rollback and an abandon compare this with the chain before sending anything, and a
 * new run uses it to tell a pause this toolkit left from an operator's.
 */
import type { EffectScope } from "../../core/effect-types";
import { findStep, type RunState } from "../../core/run-state";
import type { UpgradePlanInput } from "./plan-input";

/** What the journal knows of one effect: landed, maybe landed, known not to, or never tried. */
export type EffectFact = "applied" | "pending" | "not-applied" | "none";

/** The journal's knowledge of one transaction effect of a step. */
export function effectFact(
  state: RunState,
  step: string,
  scope: EffectScope,
  key: string,
): EffectFact {
  const found = findStep(state, step);
  const effects = scope === "run" ? found?.effects : found?.rollback.effects;
  const effect = effects?.find((candidate) => candidate.key === key);
  if (effect === undefined) return "none";
  if (effect.status === "applied" || effect.status === "not-applied") return effect.status;
  return "pending";
}

/**
 * The journal's knowledge of a checklist call that may go through an authority: sent directly
 * (`key`), executed through a timelock (`key-execute`) or a Safe (`key-safe-exec`) by this run;
 * or only scheduled or proposed (`key-schedule`, `key-safe-proposal`), which others may execute
 * at any time, so it "may have landed".
 */
export function callFact(
  state: RunState,
  step: string,
  scope: EffectScope,
  key: string,
): EffectFact {
  const made = [key, `${key}-execute`, `${key}-safe-exec`, `${key}-execute-safe-exec`].map((name) =>
    effectFact(state, step, scope, name),
  );
  if (made.includes("applied")) return "applied";
  if (made.includes("pending")) return "pending";
  const handedOver = [
    `${key}-schedule`,
    `${key}-safe-proposal`,
    `${key}-schedule-safe-proposal`,
  ].map((name) => effectFact(state, step, scope, name));
  if (handedOver.includes("applied") || handedOver.includes("pending")) return "pending";
  return made.includes("not-applied") ? "not-applied" : "none";
}

// The checklist's transactions that pause or unpause, in the order a run can send them:
// pause, unpause at the end, pause again when the unpause is rolled back, unpause when the
// pause is rolled back.
const PAUSE_EFFECTS: ReadonlyArray<{
  step: string;
  scope: EffectScope;
  key: string;
  paused: boolean;
}> = [
  { step: "pause", scope: "run", key: "pause-tx", paused: true },
  { step: "unpause", scope: "run", key: "unpause-tx", paused: false },
  { step: "unpause", scope: "rollback", key: "repause-tx", paused: true },
  { step: "pause", scope: "rollback", key: "unpause-tx", paused: false },
];

/** What the chain may hold after a run's journaled actions (undefined: not the run's to say). */
export interface ExpectedTarget {
  implementations: Set<string>;
  paused: Set<boolean> | undefined;
  initializedVersions: Set<number> | undefined;
  /** The implementation the run installed or may have installed, once it is known. */
  installed: string | undefined;
}

function settle<T>(
  current: Set<T> | undefined,
  fact: EffectFact,
  value: T,
  before: T,
): Set<T> | undefined {
  if (fact === "applied") return new Set([value]);
  if (fact === "pending") return new Set([...(current ?? [before]), value]);
  return current;
}

/** The chain state a run's journal implies, for the fields the run touched. */
export function expectedTarget(state: RunState, input: UpgradePlanInput): ExpectedTarget {
  const deployed = findStep(state, "deploy-implementation");
  const installed = deployed?.hasOutput
    ? (deployed.output as { address: string }).address
    : undefined;

  let implementations = new Set([input.from.implementation]);
  const upgrade = callFact(state, "upgrade", "run", "upgrade-tx");
  if (installed !== undefined) {
    implementations = settle(implementations, upgrade, installed, input.from.implementation)!;
  }
  implementations = settle(
    implementations,
    callFact(state, "upgrade", "rollback", "downgrade-tx"),
    input.from.implementation,
    installed ?? input.from.implementation,
  )!;

  const preflight = findStep(state, "preflight");
  const versionBefore = preflight?.hasOutput
    ? (preflight.output as { initializedVersion: number }).initializedVersion
    : undefined;
  let initializedVersions = versionBefore === undefined ? undefined : new Set([versionBefore]);
  if (versionBefore !== undefined && input.expectedInitializedVersion !== null) {
    initializedVersions = settle(
      initializedVersions,
      upgrade,
      input.expectedInitializedVersion,
      versionBefore,
    );
  }

  const pauseStep = findStep(state, "pause");
  let paused: Set<boolean> | undefined =
    pauseStep?.hasOutput && (pauseStep.output as { alreadyPaused: boolean }).alreadyPaused
      ? new Set([true])
      : undefined;
  for (const effect of PAUSE_EFFECTS) {
    const fact = callFact(state, effect.step, effect.scope, effect.key);
    paused = settle(paused, fact, effect.paused, !effect.paused);
  }
  return { implementations, paused, initializedVersions, installed };
}

/**
 * The toolkit run whose pause is still in effect, if any: the last run (oldest first) whose
 * journal shows a pause that none of its own transactions undid. Only finished or abandoned
 * runs are passed here (an unfinished one blocks new runs before they get this far).
 */
export function toolkitPauseHolder(states: readonly RunState[]): string | undefined {
  let holder: string | undefined;
  for (const state of states) {
    const adopted =
      (findStep(state, "pause")?.output as { pausedBy?: string } | undefined)?.pausedBy ===
      "toolkit";
    const landed = PAUSE_EFFECTS.filter(
      (effect) => callFact(state, effect.step, effect.scope, effect.key) === "applied",
    );
    // A run that adopted a pause holds it until one of its unpause transactions lands.
    let holds = adopted ? true : undefined;
    for (const effect of landed) holds = effect.paused;
    if (holds === true) holder = state.runId;
    else if (holds === false) holder = undefined;
  }
  return holder;
}
