import { createHash } from "node:crypto";
import { InvalidRolloutOptionError } from "./errors";
import type { LoadedSpec } from "./load-migration-spec";
import { DEFAULT_ROLLOUT_GATES, type RolloutGates } from "./rollout-gates";
import { parseTrigger } from "./rollout-triggers";
import { specDurationMs } from "./spec-duration";

/** One stage as the plan runs it: its share of traffic and its observation window. */
export interface RolloutStage {
  percent: number;
  /** The window after scaling, in milliseconds. */
  durationMs: number;
  minRequests: number;
}

/**
 * Everything that decides what a rollout does, journaled in its first line (the plan's hash
 * covers it): a resume rebuilds the plan from it and refuses a spec that changed since.
 */
export interface RolloutInput {
  kind: "api-rollout";
  name: string;
  specFile: string;
  specSha256: string;
  fromVersion: string;
  toVersion: string;
  stages: RolloutStage[];
  timeScale: number;
  triggers: string[];
  gates: RolloutGates;
  adapter: string;
  /** When the compatibility layer stops translating (ISO). */
  layerEndsAt: string;
}

/** The rollout input of a spec; `timeScale` (from --time-scale) overrides the spec's. */
export function rolloutInputOf(
  loaded: LoadedSpec,
  options: { timeScale?: number; layerEndsAt: string },
): RolloutInput {
  const { spec } = loaded;
  const rollout = spec.rollout;
  if (rollout === undefined) {
    throw new InvalidRolloutOptionError("rollout", "the spec has no rollout section");
  }
  const timeScale = options.timeScale ?? rollout.time_scale;
  if (!(timeScale > 0 && timeScale <= 1)) {
    throw new InvalidRolloutOptionError("time scale", `${timeScale} is not in (0, 1]`);
  }
  for (const trigger of rollout.triggers) parseTrigger(trigger);
  return {
    kind: "api-rollout",
    name: spec.name,
    specFile: loaded.file,
    specSha256: createHash("sha256").update(loaded.text).digest("hex"),
    fromVersion: spec.from_version,
    toVersion: spec.to_version,
    stages: rollout.stages.map((stage) => ({
      percent: stage.percent,
      durationMs: Math.max(1, Math.round(specDurationMs(stage.duration) * timeScale)),
      minRequests: stage.min_requests ?? rollout.min_requests,
    })),
    timeScale,
    triggers: rollout.triggers,
    gates: { ...DEFAULT_ROLLOUT_GATES, ...rollout.gates },
    adapter: rollout.traffic?.adapter ?? "in-process",
    layerEndsAt: options.layerEndsAt,
  };
}
