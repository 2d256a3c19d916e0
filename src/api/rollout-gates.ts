/**
 * The three-level gates of a rollout stage (baseline / acceptable / critical, src/core/gates.ts),
 * on the new handler's error rate, p99 latency and availability. The defaults are the seed's
 * performance benchmarks; a spec overrides any of them.
 */
import type { ThresholdGate } from "../core/gates";
import type { StageMetrics } from "./stage-metrics";

/** The levels of one gate as a spec writes them. */
export interface GateLevels {
  baseline: number;
  acceptable: number;
  critical: number;
}

/** The gates of every stage. */
export interface RolloutGates {
  error_rate: GateLevels;
  p99_ms: GateLevels;
  availability: GateLevels;
}

/** The seed's benchmarks: critical where the default triggers fire. */
export const DEFAULT_ROLLOUT_GATES: RolloutGates = {
  error_rate: { baseline: 0.001, acceptable: 0.01, critical: 0.05 },
  p99_ms: { baseline: 100, acceptable: 250, critical: 500 },
  availability: { baseline: 0.9999, acceptable: 0.9995, critical: 0.999 },
};

/** The gates and the figures they judge, for verifyWithGates. */
export function stageGateChecks(
  gates: RolloutGates,
  metrics: StageMetrics,
): Array<{ gate: ThresholdGate; actual: number }> {
  const checks: Array<{ gate: ThresholdGate; actual: number }> = [
    {
      gate: { metric: "error_rate", worse: "higher", ...gates.error_rate },
      actual: metrics.errorRate,
    },
    {
      gate: { metric: "availability", worse: "lower", ...gates.availability },
      actual: metrics.availability,
    },
  ];
  // HAProxy keeps no percentiles: its mean stands in, and the figures say which it was.
  const latency = metrics.p99Ms ?? metrics.meanMs;
  if (latency !== undefined) {
    checks.push({ gate: { metric: "p99_ms", worse: "higher", ...gates.p99_ms }, actual: latency });
  }
  return checks;
}
