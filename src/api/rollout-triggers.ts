/**
 * Rollback triggers as a spec writes them, `error_rate > 5%`, `response_time > 500ms`,
 * `availability < 99.9%`: parsed by a pattern (never evaluated), checked against a stage's
 * metrics. `response_time` reads the p95 latency (the mean where the source has no
 * percentiles); p50, p95, p99 may be named directly.
 */
import { InvalidRolloutOptionError } from "./errors";
import type { StageMetrics } from "./stage-metrics";

const METRICS = ["error_rate", "response_time", "availability", "p50", "p95", "p99"] as const;

/** A parsed trigger. */
export interface Trigger {
  text: string;
  metric: (typeof METRICS)[number];
  operator: ">" | ">=" | "<" | "<=";
  /** In the metric's unit: a ratio (0-1) for rates, milliseconds for times. */
  threshold: number;
}

/** A trigger that tripped, with the figure that tripped it. */
export interface TrippedTrigger {
  trigger: string;
  metric: string;
  actual: number;
}

const PATTERN = /^\s*([a-z_0-9]+)\s*(>=|<=|>|<)\s*(\d+(?:\.\d+)?)\s*(%|ms|s)?\s*$/;

/** Parses one trigger (AEGIS-E532 naming it when it does not read as one). */
export function parseTrigger(text: string): Trigger {
  const match = PATTERN.exec(text);
  const metric = match?.[1] as Trigger["metric"] | undefined;
  if (match === null || metric === undefined || !METRICS.includes(metric)) {
    throw new InvalidRolloutOptionError(
      `trigger "${text}"`,
      `not <${METRICS.join("|")}> <op> <value>`,
    );
  }
  const value = Number(match[3]);
  const unit = match[4];
  const isRate = metric === "error_rate" || metric === "availability";
  if (isRate && unit !== "%" && value > 1) {
    throw new InvalidRolloutOptionError(
      `trigger "${text}"`,
      "a rate is a percent (5%) or a ratio (0.05)",
    );
  }
  if (!isRate && unit === "%") {
    throw new InvalidRolloutOptionError(`trigger "${text}"`, "a time is in ms or s");
  }
  const threshold = unit === "%" ? value / 100 : unit === "s" ? value * 1000 : value;
  return { text, metric, operator: match[2] as Trigger["operator"], threshold };
}

/** The value a trigger reads from a stage's metrics; undefined when the source has none. */
export function triggerFigure(trigger: Trigger, metrics: StageMetrics): number | undefined {
  switch (trigger.metric) {
    case "error_rate":
      return metrics.errorRate;
    case "availability":
      return metrics.availability;
    case "response_time":
      return metrics.p95Ms ?? metrics.meanMs;
    case "p50":
      return metrics.p50Ms ?? metrics.meanMs;
    case "p95":
      return metrics.p95Ms ?? metrics.meanMs;
    case "p99":
      return metrics.p99Ms ?? metrics.meanMs;
  }
}

/** The triggers that trip on these metrics (none without requests). */
export function trippedTriggers(
  triggers: readonly Trigger[],
  metrics: StageMetrics,
): TrippedTrigger[] {
  if (metrics.requests === 0) return [];
  return triggers.flatMap((trigger) => {
    const actual = triggerFigure(trigger, metrics);
    if (actual === undefined) return [];
    const t = trigger.threshold;
    const trips =
      trigger.operator === ">"
        ? actual > t
        : trigger.operator === ">="
          ? actual >= t
          : trigger.operator === "<"
            ? actual < t
            : actual <= t;
    return trips ? [{ trigger: trigger.text, metric: trigger.metric, actual }] : [];
  });
}
