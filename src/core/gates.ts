import { GateConfigError } from "./errors";
import { journalValuesEqual } from "./json-codec";
import type { Verdict } from "./plan-types";

/**
 * Three-level gates: the same decision for invariants, timings, error rates and row counts.
 *
 * For a metric where higher is worse (latency, error rate, gas):
 *   actual >= critical                 -> stop
 *   acceptable < actual < critical     -> warn
 *   actual <= acceptable               -> go
 * Lower is worse mirrors it (throughput, collateral ratio). `baseline` is the value measured
 * before the change: it is reported, and thresholds may be given relative to it.
 * An exact gate (a share price that must not move, a storage slot) is go on equality and stop
 * (or warn, if asked) otherwise.
 */

/** A number or a bigint; the two may be mixed in one gate. */
export type GateNumber = number | bigint;

/** A threshold: an absolute value, or a distance from the baseline in the worse direction. */
export type Threshold = GateNumber | { fromBaseline: GateNumber };

/** A gate on a metric with a direction. */
export interface ThresholdGate {
  metric: string;
  worse: "higher" | "lower";
  baseline: GateNumber;
  acceptable: Threshold;
  critical: Threshold;
}

/** A gate that requires a value to equal an expected one. */
export interface ExactGate {
  metric: string;
  expected: unknown;
  /** Verdict on mismatch; default stop. */
  onMismatch?: "warn" | "stop";
}

/** Either kind of gate. */
export type Gate = ThresholdGate | ExactGate;

/** The decision of a gate with the figures it compared (journalable as verify figures). */
export type GateResult =
  | {
      metric: string;
      kind: "threshold";
      verdict: Verdict;
      worse: "higher" | "lower";
      actual: GateNumber;
      baseline: GateNumber;
      acceptable: GateNumber;
      critical: GateNumber;
      /** actual - baseline, in the metric's unit. */
      delta: GateNumber;
    }
  | { metric: string; kind: "exact"; verdict: Verdict; actual: unknown; expected: unknown };

/** Evaluates a gate against an actual value; throws AEGIS-E160 for inconsistent thresholds. */
export function evaluateGate(gate: Gate, actual: unknown): GateResult {
  if ("expected" in gate) {
    const verdict: Verdict = journalValuesEqual(actual, gate.expected)
      ? "go"
      : (gate.onMismatch ?? "stop");
    return { metric: gate.metric, kind: "exact", verdict, actual, expected: gate.expected };
  }
  if (gate.worse !== "higher" && gate.worse !== "lower") {
    throw new GateConfigError(
      gate.metric,
      `worse must be "higher" or "lower", not ${String(gate.worse)}`,
    );
  }
  const value = checkNumber(gate.metric, "actual value", actual);
  const baseline = checkNumber(gate.metric, "baseline", gate.baseline);
  const acceptable = resolveThreshold(gate, "acceptable", baseline);
  const critical = resolveThreshold(gate, "critical", baseline);
  const sign = gate.worse === "higher" ? 1 : -1;
  // "a is worse than or as bad as b" in the metric's direction.
  const atLeastAsBad = (a: GateNumber, b: GateNumber) => (sign === 1 ? a >= b : a <= b);
  if (!atLeastAsBad(acceptable, baseline)) {
    throw new GateConfigError(gate.metric, "acceptable is better than the baseline");
  }
  if (!atLeastAsBad(critical, acceptable)) {
    throw new GateConfigError(gate.metric, "critical is better than acceptable");
  }
  let verdict: Verdict = "go";
  if (atLeastAsBad(value, critical)) verdict = "stop";
  else if (!atLeastAsBad(acceptable, value)) verdict = "warn";
  return {
    metric: gate.metric,
    kind: "threshold",
    verdict,
    worse: gate.worse,
    actual: value,
    baseline,
    acceptable,
    critical,
    delta: subtract(value, baseline),
  };
}

/** The worst of several verdicts (stop > warn > go); go for none. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = "go";
  for (const verdict of verdicts) {
    if (verdict === "stop") return "stop";
    if (verdict === "warn") worst = "warn";
  }
  return worst;
}

/** Evaluates several gates and shapes the result as a step's verify result. */
export function verifyWithGates(checks: ReadonlyArray<{ gate: Gate; actual: unknown }>): {
  verdict: Verdict;
  figures: Record<string, GateResult>;
  message?: string;
} {
  const figures: Record<string, GateResult> = {};
  for (const { gate, actual } of checks) figures[gate.metric] = evaluateGate(gate, actual);
  const results = Object.values(figures);
  const verdict = worstVerdict(results.map((result) => result.verdict));
  const failing = results
    .filter((result) => result.verdict !== "go")
    .map((result) => `${result.metric} ${result.verdict}`);
  return failing.length === 0
    ? { verdict, figures }
    : { verdict, figures, message: failing.join("; ") };
}

function resolveThreshold(
  gate: ThresholdGate,
  name: "acceptable" | "critical",
  baseline: GateNumber,
): GateNumber {
  const threshold = gate[name];
  if (typeof threshold === "object" && threshold !== null && "fromBaseline" in threshold) {
    const distance = checkNumber(gate.metric, `${name}.fromBaseline`, threshold.fromBaseline);
    if (distance < 0) throw new GateConfigError(gate.metric, `${name}.fromBaseline is negative`);
    return gate.worse === "higher" ? add(baseline, distance) : subtract(baseline, distance);
  }
  return checkNumber(gate.metric, name, threshold);
}

function checkNumber(metric: string, what: string, value: unknown): GateNumber {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new GateConfigError(metric, `${what} is not a finite number or bigint (${String(value)})`);
}

function add(a: GateNumber, b: GateNumber): GateNumber {
  if (typeof a === "bigint" || typeof b === "bigint") return toBigInt(a) + toBigInt(b);
  return a + b;
}

function subtract(a: GateNumber, b: GateNumber): GateNumber {
  if (typeof a === "bigint" && typeof b === "bigint") return a - b;
  if (typeof a === "number" && typeof b === "number") return a - b;
  // Mixed: exact when the number is an integer, otherwise approximate in floating point.
  if (Number.isInteger(Number(typeof a === "number" ? a : b))) return toBigInt(a) - toBigInt(b);
  return Number(a) - Number(b);
}

function toBigInt(value: GateNumber): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isInteger(value)) {
    throw new GateConfigError("(bigint arithmetic)", `${value} is not an integer`);
  }
  return BigInt(value);
}
