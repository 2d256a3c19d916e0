import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { diffApiDocuments, untranslatedError } from "../../src/api/diff-command";
import { API_ERROR_CODES } from "../../src/api/error-codes";

const EXAMPLE = path.resolve(__dirname, "../../migrations/api");
const V1 = path.join(EXAMPLE, "openapi-v1.yaml");
const V2 = path.join(EXAMPLE, "openapi-v2.yaml");

describe("api: api:diff between two OpenAPI documents", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-diff-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The example spec with some of its lines changed, written beside the example's files. */
  function specWith(edit: (text: string) => string): string {
    const file = path.join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
    const text = edit(fs.readFileSync(path.join(EXAMPLE, "user-v2.yaml"), "utf8"));
    fs.writeFileSync(file, text.replace("./service.ts", path.join(EXAMPLE, "service.ts")));
    return file;
  }

  it("finds each kind of breaking change of the example", () => {
    const report = diffApiDocuments({ from: V1, to: V2 });
    const kinds = new Set(report.findings.map((finding) => finding.kind));
    expect([...kinds].sort()).to.deep.equal([
      "endpoint-removed",
      "enum-narrowed",
      "field-removed",
      "required-added",
    ]);
    expect(report.findings).to.deep.include({
      kind: "required-added",
      endpoint: "POST /users",
      where: "request",
      field: "user.first_name",
      detail: "user.first_name is now required",
      translated: false,
    });
    expect(untranslatedError(report)?.code).to.equal(API_ERROR_CODES.UNTRANSLATED_BREAKING_CHANGE);
  });

  it("finds renames and type changes", () => {
    const v3 = path.join(dir, "v3.yaml");
    fs.writeFileSync(
      v3,
      fs
        .readFileSync(V1, "utf8")
        .replace("email: { type: string }", "mail: { type: string }")
        .replace("id: { type: integer }", "id: { type: string }"),
    );
    const report = diffApiDocuments({ from: V1, to: v3 });
    expect(report.findings.map((finding) => `${finding.kind} ${finding.field}`)).to.include.members(
      ["field-renamed user.email", "type-changed user.id"],
    );
    expect(report.findings.find((finding) => finding.field === "user.email")?.renamedTo).to.equal(
      "user.mail",
    );
  });

  it("checks every finding against the spec: the example translates them all", () => {
    const report = diffApiDocuments({ from: V1, to: V2, spec: path.join(EXAMPLE, "user-v2.yaml") });
    expect(report.findings.length).to.be.greaterThan(5);
    expect(report.untranslated).to.equal(0);
    expect(untranslatedError(report)).to.equal(undefined);
    const removed = report.findings.find((finding) => finding.kind === "endpoint-removed");
    expect(removed?.by).to.equal("deprecation (sunset 2027-06-30)");
  });

  it("reports a breaking change the spec leaves untranslated as an error", () => {
    const spec = specWith((text) =>
      text.replace(/ {4}- field: users\.status[\s\S]*?inactive: disabled \} \}\n/, ""),
    );
    const report = diffApiDocuments({ from: V1, to: V2, spec });
    const untranslated = report.findings.filter((finding) => !finding.translated);
    expect(untranslated.map((finding) => `${finding.endpoint} ${finding.field}`)).to.deep.equal([
      "GET /users users.status",
    ]);
    expect(untranslatedError(report)?.message).to.include(
      "enum-narrowed GET /users response 200 users.status",
    );
  });

  it("refuses a translation that references a field the document does not have (E503)", () => {
    const spec = specWith((text) => text.replace("- field: user.name", "- field: user.nickname"));
    let code: string | undefined;
    try {
      diffApiDocuments({ from: V1, to: V2, spec });
    } catch (error) {
      code = (error as { code?: string }).code;
    }
    expect(code).to.equal(API_ERROR_CODES.TRANSLATION_FIELD_MISSING);
  });

  it("refuses a document without paths (E520)", () => {
    const empty = path.join(dir, "empty.yaml");
    fs.writeFileSync(empty, "openapi: 3.0.3\n");
    let code: string | undefined;
    try {
      diffApiDocuments({ from: empty, to: V2 });
    } catch (error) {
      code = (error as { code?: string }).code;
    }
    expect(code).to.equal(API_ERROR_CODES.OPENAPI_INVALID);
  });
});
