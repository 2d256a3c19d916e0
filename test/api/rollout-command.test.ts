import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { API_ERROR_CODES } from "../../src/api/error-codes";
import { API_INPUT_ERROR_CODES } from "../../src/api/errors";
import { runRolloutCommand, type RolloutCommandDeps } from "../../src/api/rollout-command";
import { EXIT_CODES } from "../../src/core/exit-codes";
import { loadRun } from "../../src/core/load-run";
import { runDirOf } from "../../src/core/run-paths";
import { writeRunReports } from "../../src/report/write-run-reports";

const SERVICE = path.resolve(__dirname, "../../migrations/api/service.ts");

/** What a v1 client got from the old service for GET /v1/users/1. */
const RECORDED = {
  request: { method: "GET", url: "/v1/users/1", headers: {}, body: null },
  response: {
    status: 200,
    body: { user: { id: 1, name: "Ada Lovelace", email: "ada@example.org", status: "active" } },
  },
};

describe("api: api:rollout's command (start, wait, resume, exit codes)", () => {
  let dir: string;
  let lines: string[];
  let deps: RolloutCommandDeps;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-command-"));
    lines = [];
    deps = {
      baseDir: path.join(dir, "deployments"),
      writeReports: writeRunReports,
      onEvent: () => {},
      print: (line) => lines.push(line),
      now: () => new Date("2027-01-10T00:00:00Z"),
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeSpec(recording: unknown): string {
    fs.mkdirSync(path.join(dir, "recordings"));
    fs.writeFileSync(path.join(dir, "recordings", "0001.json"), JSON.stringify(recording));
    const file = path.join(dir, "spec.yaml");
    const text = fs
      .readFileSync(path.resolve(__dirname, "fixtures/rollout.yaml"), "utf8")
      .replace(
        "    min_requests: 2\n",
        `    min_requests: 2\n    recordings: ./recordings\n    traffic: { adapter: in-process, service: ${SERVICE}, port: 0 }\n`,
      );
    fs.writeFileSync(file, text);
    return file;
  }

  it("checks the recordings first, then waits at stage 1 (3), and --resume waits on (3)", async () => {
    const spec = writeSpec(RECORDED);
    const code = await runRolloutCommand({ spec }, deps);
    expect(code).to.equal(EXIT_CODES.resumable);
    const runId = /--resume (\S+)\./.exec(lines.join("\n"))?.[1] as string;
    expect(runId).to.match(/-api-users-v2-test$/);
    const state = loadRun(runDirOf(deps.baseDir, runId)).state;
    const check = state.steps.find((step) => step.id.endsWith("#verify-recordings"));
    expect(check?.verification?.verdict).to.equal("go");
    expect(check?.verification?.figures).to.deep.equal({ replayed: 1, differing: 0 });
    expect(await runRolloutCommand({ resume: runId }, deps)).to.equal(EXIT_CODES.resumable);
    expect(lines.at(-1)).to.include("stage 1 (10%)");
  });

  it("stops before any traffic moves when a recording differs (1)", async () => {
    const differs = structuredClone(RECORDED);
    differs.response.body.user.name = "Augusta Ada King";
    const spec = writeSpec(differs);
    expect(await runRolloutCommand({ spec }, deps)).to.equal(EXIT_CODES.failed);
    expect(lines.join("\n")).to.include("user.name");
  });

  it("refuses a bad spec with a code the task turns into exit 2", async () => {
    const spec = path.join(dir, "bad.yaml");
    fs.writeFileSync(spec, "api_migration: { name: x }\n");
    let code: string | undefined;
    try {
      await runRolloutCommand({ spec }, deps);
    } catch (error) {
      code = (error as { code?: string }).code;
    }
    expect(code).to.equal(API_ERROR_CODES.SPEC_INVALID);
    expect(API_INPUT_ERROR_CODES.has(code as string)).to.equal(true);
  });
});
