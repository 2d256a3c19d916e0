import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RequestListener } from "node:http";
import { expect } from "chai";
import { loadMigrationSpec } from "../../src/api/load-migration-spec";
import { API_ERROR_CODES } from "../../src/api/error-codes";
import {
  createRecorder,
  readRecordings,
  recordExchanges,
  REDACTED,
} from "../../src/api/recordings";
import { runVerifyCommand } from "../../src/api/verify-command";
import { verifyRecordings } from "../../src/api/verify-recordings";
import { createNewHandler, createOldHandler } from "../../migrations/api/service";
import { requestJson, startServer } from "./helpers/http-server";

const SPEC = path.resolve(__dirname, "../../migrations/api/user-v2.yaml");

describe("api: recordings of v1 traffic, replayed against v2 (api:verify)", () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-recordings-"));
    // Real v1 traffic against the old service, recorded with secrets and emails redacted.
    const old = await startServer(
      recordExchanges(createOldHandler(), createRecorder(dir, ["email"])),
    );
    try {
      await requestJson(`${old.url}/v1/users/1`, { headers: { Authorization: "Bearer s3cret" } });
      await requestJson(`${old.url}/v1/users`);
      await requestJson(`${old.url}/v1/users`, {
        method: "POST",
        body: { user: { name: "Grace Hopper", email: "grace@example.org", status: "inactive" } },
      });
      await requestJson(`${old.url}/v1/users/3`);
    } finally {
      await old.close();
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("records each exchange with secrets and configured fields redacted", () => {
    const recordings = readRecordings(dir);
    expect(recordings).to.have.length(4);
    const first = recordings[0]!.exchange;
    expect(first.request.headers.authorization).to.equal(REDACTED);
    expect(first.response).to.deep.equal({
      status: 200,
      body: { user: { id: 1, name: "Ada Lovelace", email: REDACTED, status: "active" } },
    });
    const text = recordings.map(({ file }) => fs.readFileSync(file, "utf8")).join("\n");
    expect(text).to.not.include("s3cret").and.not.include("grace@example.org");
  });

  it("finds no difference when v2 behind the layer answers as v1 did", async () => {
    const report = await verifyRecordings(
      loadMigrationSpec(SPEC),
      readRecordings(dir),
      createNewHandler(),
    );
    expect(report).to.include({ replayed: 4, differing: 0 });
  });

  it("names every field a faulty v2 answers differently, field by field", async () => {
    // A v2 that forgot the status: old clients would lose it.
    const v2 = createNewHandler();
    const faulty: RequestListener = (request, response) => {
      const end = response.end.bind(response);
      (response as unknown as { end: (chunk: string) => void }).end = (chunk: string) =>
        end(chunk.replace(/"status":"\w+"/g, '"status":"unknown"'));
      v2(request, response);
    };
    const lines: string[] = [];
    const loaded = loadMigrationSpec(SPEC);
    const { exitCode, report } = await runVerifyCommand(loaded, dir, (line) => lines.push(line));
    expect(exitCode).to.equal(0);
    const broken = await verifyRecordings(loaded, readRecordings(dir), faulty);
    expect(broken.differing).to.equal(4);
    expect(broken.results[0]?.differences).to.deep.equal([
      { field: "user.status", expected: "active", actual: "unknown" },
    ]);
    expect(broken.firstDifference).to.include("user.status");
    expect(report.differing).to.equal(0);
    expect(lines[0]).to.include("4 replayed, 0 differ");
  });

  it("refuses a folder of files that are not exchanges (E540)", () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-api-bad-recordings-"));
    try {
      fs.writeFileSync(path.join(bad, "x.json"), '{"request":{}}');
      expect(() => readRecordings(bad))
        .to.throw()
        .with.property("code", API_ERROR_CODES.RECORDINGS_INVALID);
      expect(() => readRecordings(path.join(bad, "none")))
        .to.throw()
        .with.property("code", API_ERROR_CODES.RECORDINGS_INVALID);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });
});
