import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { API_ERROR_CODES } from "../../src/api/error-codes";
import { SpecInvalidError } from "../../src/api/errors";
import { loadMigrationSpec } from "../../src/api/load-migration-spec";
import { parseMigrationSpec } from "../../src/api/migration-spec";
import { rolloutInputOf } from "../../src/api/rollout-input";
import { buildTranslationChain } from "../../src/api/translation-chain";

const VALID = `
api_migration:
  name: users-v2
  from_version: v1
  to_version: v2
  breaking_changes:
    - field: user.name
      change: split
      translation: { split: { into: [first_name, last_name] } }
`;

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe("api: the migration spec", () => {
  it("fills the seed's defaults: layer on for 90 days, stages 10/50/100 over 1h/2h/4h, three triggers", () => {
    const spec = parseMigrationSpec(`${VALID}  rollout: {}\n`, "spec.yaml");
    expect(spec.compatibility_layer).to.include({
      enabled: true,
      duration: "90d",
      auto_translate: true,
    });
    expect(spec.rollout?.stages).to.deep.equal([
      { percent: 10, duration: "1h" },
      { percent: 50, duration: "2h" },
      { percent: 100, duration: "4h" },
    ]);
    expect(spec.rollout?.triggers).to.deep.equal([
      "error_rate > 5%",
      "response_time > 500ms",
      "availability < 99.9%",
    ]);
  });

  it("scales stage windows for tests and rehearsals", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-spec-"));
    try {
      const file = path.join(dir, "spec.yaml");
      fs.writeFileSync(file, `${VALID}  rollout: { time_scale: 0.001 }\n`);
      const input = rolloutInputOf(loadMigrationSpec(file), {
        layerEndsAt: "2027-01-01T00:00:00Z",
      });
      expect(input.stages.map((stage) => stage.durationMs)).to.deep.equal([3_600, 7_200, 14_400]);
      const unscaled = rolloutInputOf(loadMigrationSpec(file), {
        timeScale: 1,
        layerEndsAt: "2027-01-01T00:00:00Z",
      });
      expect(unscaled.stages[0]?.durationMs).to.equal(3_600_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses text that is not YAML (E500) and a missing file (E500)", () => {
    expect(codeOf(() => parseMigrationSpec("api_migration: [unclosed", "bad.yaml"))).to.equal(
      API_ERROR_CODES.SPEC_UNREADABLE,
    );
    expect(codeOf(() => loadMigrationSpec("/nonexistent/spec.yaml"))).to.equal(
      API_ERROR_CODES.SPEC_UNREADABLE,
    );
  });

  it("names each problem of a malformed spec by its path (E501)", () => {
    const text = `
api_migration:
  name: users-v2
  to_version: v2
  breaking_changes:
    - field: user.name
      change: split
      translation: { explode: { into: [a, b] } }
  deprecations:
    - { endpoint: GET /a, replacement: GET /b, sunset_date: someday }
`;
    let error: unknown;
    try {
      parseMigrationSpec(text, "bad.yaml");
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(SpecInvalidError);
    const problems = (error as SpecInvalidError).problems;
    expect(problems.some((problem) => problem.startsWith("from_version"))).to.equal(true);
    expect(
      problems.some((problem) => problem.startsWith("breaking_changes.0.translation")),
    ).to.equal(true);
    expect(problems.some((problem) => problem.startsWith("deprecations.0.sunset_date"))).to.equal(
      true,
    );
  });

  it("refuses stages that do not climb to 100% and a version that names itself", () => {
    const stages = `${VALID}  rollout: { stages: [{ percent: 50, duration: 1h }, { percent: 10, duration: 1h }] }\n`;
    const error = (() => {
      try {
        parseMigrationSpec(stages, "s.yaml");
      } catch (caught) {
        return caught as SpecInvalidError;
      }
      return undefined;
    })();
    expect(error?.code).to.equal(API_ERROR_CODES.SPEC_INVALID);
    expect(error?.problems).to.include(
      "rollout.stages.1.percent: must be above the previous stage's",
    );
    expect(error?.problems).to.include(
      "rollout.stages: the last stage must send 100% of the traffic",
    );
    const same = VALID.replace("to_version: v2", "to_version: v1");
    expect(codeOf(() => parseMigrationSpec(same, "s.yaml"))).to.equal(API_ERROR_CODES.SPEC_INVALID);
  });

  it("refuses a trigger it cannot read, never evaluating it (E532)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-spec-"));
    try {
      const file = path.join(dir, "spec.yaml");
      fs.writeFileSync(file, `${VALID}  rollout: { triggers: ["process.exit(1) > 0"] }\n`);
      expect(codeOf(() => rolloutInputOf(loadMigrationSpec(file), { layerEndsAt: "x" }))).to.equal(
        API_ERROR_CODES.INVALID_ROLLOUT_OPTION,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a translation module export that is missing or not a translation (E502)", () => {
    const fixtures = path.join(__dirname, "fixtures");
    const withModule = (exportName: string) =>
      parseMigrationSpec(
        VALID.replace(
          "translation: { split: { into: [first_name, last_name] } }",
          `translation: { module: ./translations.ts, export: ${exportName} }`,
        ),
        "m.yaml",
      );
    expect(buildTranslationChain(withModule("priceInCents"), fixtures).changes).to.have.length(1);
    expect(codeOf(() => buildTranslationChain(withModule("noSuchExport"), fixtures))).to.equal(
      API_ERROR_CODES.TRANSLATION_MODULE,
    );
    expect(codeOf(() => buildTranslationChain(withModule("halfTranslation"), fixtures))).to.equal(
      API_ERROR_CODES.TRANSLATION_MODULE,
    );
    expect(codeOf(() => buildTranslationChain(withModule("x"), "/nonexistent"))).to.equal(
      API_ERROR_CODES.TRANSLATION_MODULE,
    );
  });
});
