import { expect } from "chai";

import { computePlanHash, shortHash } from "../../src/core/plan-hash";
import { previewPlan } from "../../src/core/plan-preview";
import type { Plan, Step } from "../../src/core/plan-types";
import { validatePlan } from "../../src/core/plan-validation";
import { catchError } from "./helpers/catch-error";

function step(overrides: Partial<Step>): Step {
  return { id: "s", phase: "execute", changesTarget: false, run: () => undefined, ...overrides };
}

function plan(steps: Step[], overrides: Partial<Plan> = {}): Plan {
  return {
    id: "engine-v2",
    hashInput: { proxy: "0x5FbD", bytecodeHash: "0x3f9a", nonce: 7n },
    steps,
    ...overrides,
  };
}

const codeOf = (value: Plan) => catchError(() => validatePlan(value))?.code;

describe("plans", () => {
  it("accepts a well-formed plan", () => {
    expect(
      codeOf(
        plan([
          step({ id: "a", phase: "assess" }),
          step({ id: "b", changesTarget: true, undo: "reversible", rollback: () => undefined }),
        ]),
      ),
    ).to.equal(undefined);
  });

  it("rejects ids that are not safe as file names (AEGIS-E101)", () => {
    expect(codeOf(plan([step({})], { id: "../x" }))).to.equal("AEGIS-E101");
    expect(codeOf(plan([step({ id: "has space" })]))).to.equal("AEGIS-E101");
    expect(codeOf(plan([step({ id: "a/b" })]))).to.equal("AEGIS-E101");
    expect(codeOf(plan([step({ id: "" })]))).to.equal("AEGIS-E101");
  });

  it("rejects duplicate step ids (AEGIS-E102)", () => {
    expect(codeOf(plan([step({ id: "a" }), step({ id: "a" })]))).to.equal("AEGIS-E102");
  });

  it("requires steps in non-decreasing phase order (AEGIS-E103)", () => {
    expect(
      codeOf(plan([step({ id: "a", phase: "validate" }), step({ id: "b", phase: "execute" })])),
    ).to.equal("AEGIS-E103");
    expect(
      codeOf(
        plan([
          step({ id: "a", phase: "execute" }),
          step({ id: "b", phase: "execute" }),
          step({ id: "c", phase: "stabilize" }),
        ]),
      ),
    ).to.equal(undefined);
  });

  it("requires a coherent undo declaration for target-changing steps (AEGIS-E104)", () => {
    expect(codeOf(plan([step({ changesTarget: true })]))).to.equal("AEGIS-E104");
    expect(codeOf(plan([step({ changesTarget: true, undo: "reversible" })]))).to.equal(
      "AEGIS-E104",
    );
    expect(
      codeOf(plan([step({ changesTarget: true, undo: { partial: "writes stay" } })])),
    ).to.equal("AEGIS-E104");
    expect(
      codeOf(
        plan([
          step({ changesTarget: true, undo: { irreversible: "burn" }, rollback: () => undefined }),
        ]),
      ),
    ).to.equal("AEGIS-E104");
    expect(codeOf(plan([step({ changesTarget: true, undo: { irreversible: "" } })]))).to.equal(
      "AEGIS-E104",
    );
    expect(
      codeOf(plan([step({ changesTarget: true, undo: { irreversible: "burns tokens" } })])),
    ).to.equal(undefined);
  });

  it("rejects malformed steps and plans (AEGIS-E106)", () => {
    expect(codeOf(plan([step({ phase: "deploy" as never })]))).to.equal("AEGIS-E106");
    expect(
      codeOf(plan([{ id: "x", phase: "assess", changesTarget: false } as unknown as Step])),
    ).to.equal("AEGIS-E106");
    expect(codeOf(plan([]))).to.equal("AEGIS-E106");
    expect(codeOf({ id: "p", steps: [step({})] } as unknown as Plan)).to.equal("AEGIS-E106");
  });

  it("hashes what decides the plan: inputs (bigints included) and step shape, not key order or wording", () => {
    const steps = [
      step({ id: "a", title: "Read" }),
      step({ id: "b", changesTarget: true, undo: { irreversible: "x" } }),
    ];
    const base = computePlanHash(plan(steps));
    // Pinned: journals and rehearsal receipts record this hash, and a resume compares it.
    expect(base).to.equal("ad52fee4fc923b7ee9addc24ae13ec2e0783867246ad3dfac643810b37cdcc08");
    expect(
      computePlanHash(
        plan(steps, { hashInput: { nonce: 7n, bytecodeHash: "0x3f9a", proxy: "0x5FbD" } }),
      ),
    ).to.equal(base);
    expect(
      computePlanHash(
        plan([{ ...steps[0], title: "Reworded" } as Step, steps[1] as Step], {
          title: "new title",
        }),
      ),
    ).to.equal(base);
    expect(
      computePlanHash(
        plan(steps, { hashInput: { proxy: "0x5FbD", bytecodeHash: "0x3f9a", nonce: 8n } }),
      ),
    ).to.not.equal(base);
    expect(
      computePlanHash(
        plan(steps, { hashInput: { proxy: "0x5FbD", bytecodeHash: "0x3f9a", nonce: 7 } }),
      ),
    ).to.not.equal(base);
    expect(computePlanHash(plan([steps[1] as Step, steps[0] as Step]))).to.not.equal(base);
    expect(
      computePlanHash(
        plan([steps[0] as Step, { ...(steps[1] as Step), changesTarget: false, undo: undefined }]),
      ),
    ).to.not.equal(base);
    expect(shortHash(base)).to.equal(`${base.slice(0, 4)}…${base.slice(-3)}`);
  });

  it("previews every step and names those that cannot be fully undone, with why", () => {
    const preview = previewPlan(
      plan([
        step({ id: "read", phase: "assess" }),
        step({
          id: "pause",
          changesTarget: true,
          undo: "reversible",
          rollback: () => undefined,
          describe: () => "would send pause() to 0x5FbD",
        }),
        step({
          id: "upgrade",
          changesTarget: true,
          undo: { partial: "the reinitializer's writes stay" },
          rollback: () => undefined,
        }),
        step({
          id: "burn",
          changesTarget: true,
          undo: { irreversible: "tokens are burnt" },
          describe: () => {
            throw new Error("no rpc");
          },
        }),
      ]),
      "ff".repeat(32),
    );
    expect(preview.steps.map((item) => item.id)).to.deep.equal([
      "engine-v2#read",
      "engine-v2#pause",
      "engine-v2#upgrade",
      "engine-v2#burn",
    ]);
    expect(preview.steps[1]?.description).to.equal("would send pause() to 0x5FbD");
    expect(preview.steps[3]?.description).to.contain("describe failed: no rpc");
    expect(preview.notFullyReversible).to.deep.equal([
      { id: "engine-v2#upgrade", undo: "partial", why: "the reinitializer's writes stay" },
      { id: "engine-v2#burn", undo: "irreversible", why: "tokens are burnt" },
    ]);
  });
});
