import { expect } from "chai";

import { evaluateGate, verifyWithGates, worstVerdict } from "../../src/core/gates";
import { catchError } from "./helpers/catch-error";

describe("gates", () => {
  it("higher is worse: go up to acceptable, warn above it, stop from critical on", () => {
    const gate = {
      metric: "errorRate",
      worse: "higher" as const,
      baseline: 0.01,
      acceptable: 0.02,
      critical: 0.05,
    };
    expect(evaluateGate(gate, 0.005).verdict).to.equal("go");
    expect(evaluateGate(gate, 0.02).verdict).to.equal("go");
    expect(evaluateGate(gate, 0.03).verdict).to.equal("warn");
    expect(evaluateGate(gate, 0.05).verdict).to.equal("stop");
    expect(evaluateGate(gate, 0.5).verdict).to.equal("stop");
  });

  it("lower is worse: the mirror image", () => {
    const gate = {
      metric: "collateralRatio",
      worse: "lower" as const,
      baseline: 150,
      acceptable: 140,
      critical: 120,
    };
    expect(evaluateGate(gate, 160).verdict).to.equal("go");
    expect(evaluateGate(gate, 140).verdict).to.equal("go");
    expect(evaluateGate(gate, 130).verdict).to.equal("warn");
    expect(evaluateGate(gate, 120).verdict).to.equal("stop");
  });

  it("returns the figures compared, with thresholds relative to the baseline resolved, for bigints too", () => {
    const result = evaluateGate(
      {
        metric: "totalAssets",
        worse: "lower",
        baseline: 10n ** 24n,
        acceptable: { fromBaseline: 10n ** 18n },
        critical: { fromBaseline: 10n ** 21n },
      },
      10n ** 24n - 5n * 10n ** 18n,
    );
    expect(result).to.deep.equal({
      metric: "totalAssets",
      kind: "threshold",
      verdict: "warn",
      worse: "lower",
      actual: 10n ** 24n - 5n * 10n ** 18n,
      baseline: 10n ** 24n,
      acceptable: 10n ** 24n - 10n ** 18n,
      critical: 10n ** 24n - 10n ** 21n,
      delta: -5n * 10n ** 18n,
    });
    const mixed = evaluateGate(
      { metric: "latencyMs", worse: "higher", baseline: 100n, acceptable: 150, critical: 300 },
      120,
    );
    expect(mixed).to.include({ verdict: "go" });
    expect(mixed.kind === "threshold" && mixed.delta).to.equal(20n);
  });

  it("exact gates: go on equality (bigints and nested data), stop or warn otherwise", () => {
    expect(evaluateGate({ metric: "sharePrice", expected: 1041200n }, 1041200n).verdict).to.equal(
      "go",
    );
    expect(evaluateGate({ metric: "sharePrice", expected: 1041200n }, 1039800n).verdict).to.equal(
      "stop",
    );
    expect(evaluateGate({ metric: "slots", expected: { a: [1n] } }, { a: [1n] }).verdict).to.equal(
      "go",
    );
    expect(
      evaluateGate({ metric: "owner", expected: "0xabc", onMismatch: "warn" }, "0xdef"),
    ).to.deep.equal({
      metric: "owner",
      kind: "exact",
      verdict: "warn",
      actual: "0xdef",
      expected: "0xabc",
    });
  });

  it("refuses inconsistent thresholds and non-numbers (AEGIS-E160)", () => {
    expect(
      catchError(() =>
        evaluateGate(
          { metric: "m", worse: "higher", baseline: 1, acceptable: 0.5, critical: 2 },
          1,
        ),
      )?.code,
    ).to.equal("AEGIS-E160");
    expect(
      catchError(() =>
        evaluateGate({ metric: "m", worse: "higher", baseline: 1, acceptable: 3, critical: 2 }, 1),
      )?.code,
    ).to.equal("AEGIS-E160");
    expect(
      catchError(() =>
        evaluateGate({ metric: "m", worse: "lower", baseline: 1, acceptable: 2, critical: 0 }, 1),
      )?.code,
    ).to.equal("AEGIS-E160");
    expect(
      catchError(() =>
        evaluateGate(
          { metric: "m", worse: "higher", baseline: 1, acceptable: 2, critical: 3 },
          "x",
        ),
      )?.code,
    ).to.equal("AEGIS-E160");
    expect(
      catchError(() =>
        evaluateGate(
          { metric: "m", worse: "higher", baseline: 1, acceptable: 2, critical: 3 },
          Number.NaN,
        ),
      )?.code,
    ).to.equal("AEGIS-E160");
  });

  it("combines gates into a verify result with the worst verdict", () => {
    expect(worstVerdict([])).to.equal("go");
    expect(worstVerdict(["go", "warn", "go"])).to.equal("warn");
    expect(worstVerdict(["warn", "stop", "go"])).to.equal("stop");
    const result = verifyWithGates([
      {
        gate: { metric: "p99", worse: "higher", baseline: 100, acceptable: 150, critical: 300 },
        actual: 200,
      },
      { gate: { metric: "owner", expected: "0xabc" }, actual: "0xabc" },
    ]);
    expect(result.verdict).to.equal("warn");
    expect(Object.keys(result.figures)).to.deep.equal(["p99", "owner"]);
    expect(result.message).to.equal("p99 warn");
  });
});
